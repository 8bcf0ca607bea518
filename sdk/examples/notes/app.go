package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	gatehouse "github.com/gatehouse/gatehouse/sdk"
)

// Config configures the app.
type Config struct {
	Listen        string
	GatehouseURL  string // the Gatehouse public URL (FAPI and hosted pages)
	SecretKey     string
	WebhookSecret string // whsec_...; the webhook endpoint is off without it
}

// Note is one note.
type Note struct {
	ID        string    `json:"id"`
	AuthorID  string    `json:"author_id"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// User is the app's own copy of a Gatehouse user, kept in sync by webhooks.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// App is the notes app with in-memory storage.
type App struct {
	cfg      Config
	verifier *gatehouse.Verifier
	webhooks *gatehouse.WebhookVerifier
	limiter  *Limiter

	mu    sync.Mutex
	notes map[string]Note
	users map[string]User
	seq   int
}

// New builds the app.
func New(cfg Config) (*App, error) {
	v, err := gatehouse.NewVerifier(gatehouse.Config{APIURL: cfg.GatehouseURL + "/api/v1", SecretKey: cfg.SecretKey})
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, verifier: v, limiter: NewLimiter(5, time.Minute), notes: map[string]Note{}, users: map[string]User{}}
	if cfg.WebhookSecret != "" {
		if a.webhooks, err = gatehouse.NewWebhookVerifier(cfg.WebhookSecret); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Handler wires routes and middleware.
func (a *App) Handler() http.Handler {
	signIn := gatehouse.ProtectOptions{SignInURL: a.cfg.GatehouseURL + "/sign-in"}
	protect := gatehouse.Protect(signIn)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.Handle("GET /dashboard", protect(http.HandlerFunc(a.dashboard)))
	mux.Handle("GET /api/notes", protect(http.HandlerFunc(a.listNotes)))
	mux.Handle("POST /api/notes", protect(http.HandlerFunc(a.createNote)))
	mux.Handle("DELETE /api/notes/{id}", protect(http.HandlerFunc(a.deleteNote)))
	mux.Handle("GET /api/admin/stats", protect(http.HandlerFunc(a.adminStats)))
	mux.Handle("GET /api/premium", protect(http.HandlerFunc(a.premium)))
	mux.HandleFunc("POST /webhooks/gatehouse", a.webhook)
	hs := &gatehouse.Handshake{FrontendURL: a.cfg.GatehouseURL, APIURL: a.cfg.GatehouseURL + "/api/v1", SecretKey: a.cfg.SecretKey}
	auth := gatehouse.Middleware(a.verifier, gatehouse.MiddlewareOptions{Handshake: hs})
	return gatehouse.SecurityHeaders(gatehouse.CSRF(auth(mux)))
}

var page = template.Must(template.New("page").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Notes</title></head><body>
{{if .UserID}}<p>Signed in as <strong id="user">{{.UserID}}</strong>. <a href="{{.Base}}/user">Account</a></p>
<ul>{{range .Notes}}<li>{{.Text}}</li>{{end}}</ul>
{{else}}<p><a href="{{.Base}}/sign-in">Sign in</a> or <a href="{{.Base}}/sign-up">sign up</a>.</p>{{end}}
</body></html>`))

func (a *App) home(w http.ResponseWriter, r *http.Request) {
	au := gatehouse.AuthFromContext(r.Context())
	_ = page.Execute(w, map[string]any{"UserID": au.UserID, "Base": a.cfg.GatehouseURL})
}

func (a *App) dashboard(w http.ResponseWriter, r *http.Request) {
	uid := gatehouse.AuthFromContext(r.Context()).UserID
	w.Header().Set("Cache-Control", "no-store")
	_ = page.Execute(w, map[string]any{"UserID": uid, "Base": a.cfg.GatehouseURL, "Notes": a.notesOf(uid)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (a *App) notesOf(uid string) []Note {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := []Note{}
	for _, n := range a.notes {
		if n.AuthorID == uid {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (a *App) listNotes(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.notesOf(gatehouse.AuthFromContext(r.Context()).UserID))
}

// createNote is rate-limited per user: 5 per 60 s sliding window.
func (a *App) createNote(w http.ResponseWriter, r *http.Request) {
	uid := gatehouse.AuthFromContext(r.Context()).UserID
	if ok, retry := a.limiter.Allow(uid, time.Now()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
		gatehouse.WriteError(w, http.StatusTooManyRequests, "rate_limited", "Too many notes; try again shortly.")
		return
	}
	var body struct {
		Text string `json:"text"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&body); err != nil || body.Text == "" || len(body.Text) > 10_000 {
		gatehouse.WriteError(w, http.StatusBadRequest, "invalid_note", "Send {\"text\": \"...\"} with 1 to 10000 characters.")
		return
	}
	a.mu.Lock()
	a.seq++
	n := Note{ID: fmt.Sprintf("note_%06d", a.seq), AuthorID: uid, Text: body.Text, CreatedAt: time.Now().UTC()}
	a.notes[n.ID] = n
	a.mu.Unlock()
	writeJSON(w, http.StatusCreated, n)
}

// deleteNote enforces resource ownership: only the author deletes.
func (a *App) deleteNote(w http.ResponseWriter, r *http.Request) {
	uid := gatehouse.AuthFromContext(r.Context()).UserID
	a.mu.Lock()
	n, ok := a.notes[r.PathValue("id")]
	if ok && n.AuthorID == uid {
		delete(a.notes, n.ID)
	}
	a.mu.Unlock()
	switch {
	case !ok:
		gatehouse.WriteError(w, http.StatusNotFound, "not_found", "No such note.")
	case n.AuthorID != uid:
		gatehouse.Forbidden(w, "Only the author can delete this note.")
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// adminStats is for sessionClaims.metadata.role == "admin" (the instance's
// session claims carry {"metadata": "{{user.public_metadata}}"}).
func (a *App) adminStats(w http.ResponseWriter, r *http.Request) {
	if gatehouse.AuthFromContext(r.Context()).Claims.Metadata()["role"] != "admin" {
		gatehouse.Forbidden(w, "Admins only.")
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]int{"notes": len(a.notes), "users": len(a.users)})
}

// premium is for users whose metadata plan is "pro".
func (a *App) premium(w http.ResponseWriter, r *http.Request) {
	if gatehouse.AuthFromContext(r.Context()).Claims.Metadata()["plan"] != "pro" {
		gatehouse.Forbidden(w, "Upgrade required")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"content": "premium"})
}

// webhook verifies the Svix signature and syncs users into the app's table.
func (a *App) webhook(w http.ResponseWriter, r *http.Request) {
	if a.webhooks == nil {
		gatehouse.WriteError(w, http.StatusNotFound, "not_configured", "Webhooks are not configured.")
		return
	}
	body, err := a.webhooks.VerifyRequest(r)
	if err != nil {
		gatehouse.WriteError(w, http.StatusBadRequest, "invalid_signature", err.Error())
		return
	}
	var ev struct {
		Type string `json:"type"`
		Data struct {
			ID                    string `json:"id"`
			PrimaryEmailAddressID string `json:"primary_email_address_id"`
			EmailAddresses        []struct {
				ID           string `json:"id"`
				EmailAddress string `json:"email_address"`
			} `json:"email_addresses"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ev); err != nil || ev.Data.ID == "" {
		gatehouse.WriteError(w, http.StatusBadRequest, "invalid_event", "Unreadable event.")
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	switch ev.Type {
	case "user.created", "user.updated":
		u := User{ID: ev.Data.ID}
		for _, e := range ev.Data.EmailAddresses {
			if e.ID == ev.Data.PrimaryEmailAddressID {
				u.Email = e.EmailAddress
			}
		}
		a.users[u.ID] = u
	case "user.deleted":
		delete(a.users, ev.Data.ID)
	}
	w.WriteHeader(http.StatusNoContent)
}

// User returns the synced copy of a user.
func (a *App) User(id string) (User, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	u, ok := a.users[id]
	return u, ok
}
