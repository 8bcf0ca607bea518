package fapi_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/keys"
)

const devApp = "http://localhost:3000"

// devBrowserServer is a development server that allows devApp, and a
// Browser calling from devApp.
func devBrowserServer(t *testing.T, s *apitest.Server) *apitest.Browser {
	t.Helper()
	if r := s.BAPI("PATCH", "/instance", map[string]any{"allowed_origins": []string{devApp}}); r.Status != 200 {
		t.Fatalf("set allowed origins: %d %s", r.Status, r.Body)
	}
	b := s.NewBrowser()
	b.Origin = devApp
	return b
}

func newDevBrowser(t *testing.T, b *apitest.Browser) string {
	t.Helper()
	r := b.Call("POST", "/v1/dev_browser", nil)
	var out struct{ Object, ID string }
	r.JSON(t, &out)
	if r.Status != 200 || out.Object != "dev_browser" || !strings.HasPrefix(out.ID, "dvb_") || len(out.ID) != 4+43 {
		t.Fatalf("POST /v1/dev_browser: %d %s", r.Status, r.Body)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("dev browser response is cacheable: %v", r.Header)
	}
	return out.ID
}

// withDVB appends the dev-browser token to path.
func withDVB(path, tok string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "__clerk_db_jwt=" + tok
}

func setCookieNames(r *apitest.Response) []string {
	var names []string
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		names = append(names, c.Name)
	}
	return names
}

func TestDevBrowserCreate(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		b := devBrowserServer(t, s)
		tok := newDevBrowser(t, b)
		// Only the SHA-256 is stored.
		ctx := context.Background()
		row, err := s.App.Store.Q().DevBrowserByTokenHash(ctx, keys.HashToken(tok))
		if err != nil || row.Origin != devApp || row.ClientID != nil {
			t.Fatalf("stored dev browser: %+v %v", row, err)
		}
		if _, err := s.App.Store.Q().DevBrowserByTokenHash(ctx, []byte(tok)); err == nil {
			t.Fatal("the plaintext token is stored")
		}
		// A foreign origin may not create one; the route is POST only.
		evil := s.NewBrowser()
		evil.Origin = "http://evil.test"
		if r := evil.Call("POST", "/v1/dev_browser", nil); r.Status != 403 || r.ErrorCode() != "origin_invalid" {
			t.Fatalf("foreign origin: %d %s", r.Status, r.Body)
		}
		if names := setCookieNames(b.Call("POST", "/v1/dev_browser", nil)); len(names) != 0 {
			t.Fatalf("creating a dev browser set cookies: %v", names)
		}
	})
}

func TestDevBrowserRateLimited(t *testing.T) {
	s := apitest.StartConfig(t, apitest.SQLite, func(c *config.Config) { c.RateLimits = "on" })
	b := devBrowserServer(t, s)
	for i := range 20 {
		if r := b.Call("POST", "/v1/dev_browser", nil); r.Status != 200 {
			t.Fatalf("creation %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	r := b.Call("POST", "/v1/dev_browser", nil)
	if r.Status != 429 || r.ErrorCode() != "too_many_requests" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("21st creation in 10 s: %d %s", r.Status, r.Body)
	}
}

// A dev browser carries the client across requests with no cookie: lazily
// bound, rotated at session creation (Clerk-Db-Jwt, CORS-exposed), kept by
// sign-out, unbound by DELETE /v1/client.
func TestDevBrowserAuthenticatesClient(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		b := devBrowserServer(t, s)
		tok := newDevBrowser(t, b)
		if e := b.Call("GET", withDVB("/v1/client", tok), nil).Env(t); e.Client != nil {
			t.Fatalf("unbound dev browser has a client: %v", e.Client)
		}
		r := b.Call("POST", withDVB("/v1/client/sign_ups", tok), form("email_address", "dvb+clerk_test@example.com", "password", "dev browser pass 1"))
		e := r.Env(t)
		clientID := e.Client["id"].(string)
		suID := e.Response["id"].(string)
		b.Call("POST", withDVB("/v1/client/sign_ups/"+suID+"/prepare_verification", tok), form("strategy", "email_code")).Env(t)
		r = b.Call("POST", withDVB("/v1/client/sign_ups/"+suID+"/attempt_verification", tok), form("strategy", "email_code", "code", "424242"))
		e = r.Env(t)
		sid, _ := e.Response["created_session_id"].(string)
		rot := r.Header.Get("Clerk-Db-Jwt")
		if sid == "" || !strings.HasPrefix(rot, "dvb_") || rot == tok || e.Client["id"] != clientID {
			t.Fatalf("session creation: sid %q, rotated %q, client %v", sid, rot, e.Client["id"])
		}
		if !strings.Contains(r.Header.Get("Access-Control-Expose-Headers"), "Clerk-Db-Jwt") {
			t.Fatalf("Clerk-Db-Jwt is not CORS-exposed: %v", r.Header)
		}
		if b.Cookie("__client") != "" || b.Cookie("__client_uat") != "" {
			t.Fatal("a dev-browser request wrote client cookies")
		}
		// The old token is dead; the new one reaches the signed-in client.
		if r := b.Call("GET", withDVB("/v1/client", tok), nil); r.Status != 401 || r.ErrorCode() != "dev_browser_unauthenticated" {
			t.Fatalf("old token after rotation: %d %s", r.Status, r.Body)
		}
		tok = rot
		if e := b.Call("GET", withDVB("/v1/client", tok), nil).Env(t); e.Client["id"] != clientID || len(e.Client["sessions"].([]any)) != 1 {
			t.Fatalf("client by rotated token: %v", e.Client)
		}
		r, _ = token(t, b, sid) // no token: no client
		if r.Status != 401 {
			t.Fatalf("token refresh without the dev browser: %d %s", r.Status, r.Body)
		}
		r = b.Call("POST", withDVB("/v1/client/sessions/"+sid+"/tokens", tok), nil)
		var jt struct{ JWT string }
		r.JSON(t, &jt)
		if r.Status != 200 || claims(t, s, jt.JWT)["sid"] != sid {
			t.Fatalf("token refresh: %d %s", r.Status, r.Body)
		}
		if r := b.Call("POST", withDVB("/v1/client/sessions/sess_2ZzzzzzzzzzzzzzzzzzzzzzzzzZ/tokens", tok), nil); r.Status != 404 {
			t.Fatalf("unknown session: %d %s", r.Status, r.Body)
		}
		// A token in the body (not the query) is ignored: that request gets
		// a new client of its own.
		nb := s.NewBrowser()
		nb.Origin = devApp
		if e := nb.Call("POST", "/v1/client", form("__clerk_db_jwt", tok)).Env(t); e.Client["id"] == clientID || nb.Cookie("__client") == "" {
			t.Fatalf("token in the body accepted: %v", e.Client)
		}
		// Another origin may not use it.
		other := s.NewBrowser()
		other.Origin = s.URL
		if r := other.Call("GET", withDVB("/v1/client", tok), nil); r.Status != 401 || r.ErrorCode() != "dev_browser_unauthenticated" {
			t.Fatalf("token used from another origin: %d %s", r.Status, r.Body)
		}
		// Sign-out keeps the dev browser and its client.
		b.Call("DELETE", withDVB("/v1/client/sessions", tok), nil).Env(t)
		if e := b.Call("GET", withDVB("/v1/client", tok), nil).Env(t); e.Client["id"] != clientID || len(e.Client["sessions"].([]any)) != 0 {
			t.Fatalf("after sign-out: %v", e.Client)
		}
		// DELETE /v1/client unbinds it: the next client is a new one.
		if r := b.Call("DELETE", withDVB("/v1/client", tok), nil); r.Status != 200 {
			t.Fatalf("delete client: %d %s", r.Status, r.Body)
		}
		if e := b.Call("GET", withDVB("/v1/client", tok), nil).Env(t); e.Client != nil {
			t.Fatalf("dev browser still bound after DELETE /v1/client: %v", e.Client)
		}
		if e := b.Call("POST", withDVB("/v1/client", tok), nil).Env(t); e.Client["id"] == clientID || e.Client["id"] == nil {
			t.Fatalf("new client: %v", e.Client)
		}
		// Unknown and malformed tokens.
		for _, bad := range []string{"dvb_nope", "nope", strings.Repeat("a", 300)} {
			if r := b.Call("GET", withDVB("/v1/client", bad), nil); r.Status != 401 || r.ErrorCode() != "dev_browser_unauthenticated" {
				t.Fatalf("token %.10q: %d %s", bad, r.Status, r.Body)
			}
		}
		for _, line := range s.Logs.Errors() {
			if strings.Contains(line, "dvb_") {
				t.Fatalf("a dev-browser token reached the logs: %s", line)
			}
		}
	})
}

// Idle (7 days) and absolute (30 days) expiry, on a fake clock.
func TestDevBrowserExpiry(t *testing.T) {
	clock := gatehouse.NewFakeClock(time.Now())
	s := apitest.StartConfig(t, apitest.SQLite, func(c *config.Config) { c.Clock = clock })
	b := devBrowserServer(t, s)
	idle, kept := newDevBrowser(t, b), newDevBrowser(t, b)
	for range 4 { // kept is used every 6 days
		clock.Advance(6 * 24 * time.Hour)
		if r := b.Call("GET", withDVB("/v1/client", kept), nil); r.Status != 200 {
			t.Fatalf("a dev browser in use expired: %d %s", r.Status, r.Body)
		}
	}
	if r := b.Call("GET", withDVB("/v1/client", idle), nil); r.Status != 401 || r.ErrorCode() != "dev_browser_unauthenticated" {
		t.Fatalf("idle for 24 days: %d %s", r.Status, r.Body)
	}
	clock.Advance(6*24*time.Hour + time.Minute) // 30 days and a minute after creation
	if r := b.Call("GET", withDVB("/v1/client", kept), nil); r.Status != 401 || r.ErrorCode() != "dev_browser_unauthenticated" {
		t.Fatalf("past the absolute lifetime: %d %s", r.Status, r.Body)
	}
}

// Parallel first requests on one unbound dev browser agree on one client,
// and of parallel rotations of one token exactly one wins.
func TestDevBrowserRaces(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		b := devBrowserServer(t, s)
		tok := newDevBrowser(t, b)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ids := map[any]int{}
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := b.Call("POST", withDVB("/v1/client", tok), nil)
				var e apitest.Envelope
				r.JSON(t, &e)
				mu.Lock()
				ids[e.Client["id"]]++
				mu.Unlock()
				if r.Status != 200 {
					t.Errorf("parallel bind: %d %s", r.Status, r.Body)
				}
			}()
		}
		wg.Wait()
		if len(ids) != 1 {
			t.Fatalf("parallel first requests made several clients: %v", ids)
		}
		ctx := context.Background()
		row, err := s.App.Store.Q().DevBrowserByTokenHash(ctx, keys.HashToken(tok))
		if err != nil {
			t.Fatal(err)
		}
		wins := 0
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cp := *row
				if _, err := s.App.Sessions.RotateDevBrowser(ctx, &cp); err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d rotations of one token won, want exactly 1", wins)
		}
	})
}
