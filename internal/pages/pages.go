// Package pages serves the hosted pages (Account Portal): server-rendered
// HTML over the same flow engine and client cookie as the Frontend API, on a
// mux of its own with a CSRF guard and an HTML error page. See
// docs/design-pages.md.
package pages

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/flow"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
	"github.com/gatehouse/gatehouse/internal/instance"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/users"
)

//go:embed templates/*.html templates/pages.css
var pageFS embed.FS

var (
	pageCSS   = mustRead("templates/pages.css")
	pageTmpls = parsePages("sign-in", "code", "new-password", "sign-up", "user", "message")
)

func mustRead(name string) template.CSS {
	b, err := pageFS.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return template.CSS(b) // our own embedded stylesheet
}

func parsePages(names ...string) map[string]*template.Template {
	base := template.Must(template.New("").ParseFS(pageFS, "templates/layout.html"))
	out := map[string]*template.Template{}
	for _, n := range names {
		out[n] = template.Must(template.Must(base.Clone()).ParseFS(pageFS, "templates/"+n+".html"))
	}
	return out
}

const cookieCSRF = "__gh_csrf"

// page is what every template sees.
type page struct {
	Title, Subtitle, Notice, FormError string
	AppName, LogoURL, Initial          string
	Primary, OnPrimary                 string
	CSS                                template.CSS
	Nonce, CSRF, RedirectURL           string
	Values                             map[string]string
	Errors                             map[string]string

	// page-specific
	Action, IDName, AttemptID, BackURL string
	Username                           string
	Emails                             []emailView
	Sessions                           []sessionView
	CanDelete                          bool

	focused bool // a field took autofocus
}

type emailView struct {
	ID, Value         string
	Primary, Verified bool
}

type sessionView struct {
	ID, Created, Active string
	Current             bool
}

// fieldData is one input for the "field" template.
type fieldData struct {
	Name, Label, Type, Autocomplete, Value, Error, Hint string
	Inputmode, Pattern                                  string
	MaxLength                                           int
	Required, Autofocus                                 bool
}

// Field builds an input, filled from the page's values and errors; the
// first field with an error (or the first field when none has) gets focus.
func (p *page) Field(name, label, typ, autocomplete string) fieldData {
	f := fieldData{Name: name, Label: label, Type: typ, Autocomplete: autocomplete, Error: p.Errors[name], Required: true, MaxLength: 256}
	if typ != "password" {
		f.Value = p.Values[name]
	}
	switch name {
	case "code":
		f.Inputmode, f.Pattern, f.MaxLength, f.Hint = "numeric", "[0-9]{6}", 6, "The 6-digit code we emailed you."
	case "first_name", "last_name":
		f.Required = false
	case "password", "new_password":
		if autocomplete == "new-password" {
			f.Hint = "At least 8 characters. Common or breached passwords are refused."
		}
	}
	if p.Errors[name] != "" && !p.focused {
		f.Autofocus, p.focused = true, true
	}
	return f
}

// Query is "?redirect_url=…" for links between pages.
func (p *page) Query() string {
	if p.RedirectURL == "" {
		return ""
	}
	return "?redirect_url=" + url.QueryEscape(p.RedirectURL)
}

// Clients is what the pages use of the Frontend API's client handling
// (fapi.API implements it): the same __client cookie, the same client per
// request, the same body parsing.
type Clients interface {
	ClientMiddleware(next http.Handler) http.Handler
	EnsureClient(r *http.Request) (*gatehouse.Client, error)
	RequireClient(r *http.Request) (*gatehouse.Client, error)
	ClientRotated(r *http.Request, token string)
	WriteClientCookies(w http.ResponseWriter, r *http.Request, signedIn bool, uat int64)
	ClearClient(w http.ResponseWriter, r *http.Request)
	SignedIn(r *http.Request) bool
	CurrentUser(r *http.Request) (*gatehouse.Session, *gatehouse.User, error)
	ChangeOwnPassword(r *http.Request, s *gatehouse.Session, u *gatehouse.User, cur, next string, signOutOthers bool) (*gatehouse.User, error)
	FormValue(r *http.Request, name string) string
	FormBool(r *http.Request, name string) bool
}

// Options configures New.
type Options struct {
	Clients   Clients
	Instance  *instance.Manager
	Users     *users.Service
	Sessions  *session.Service
	Flow      *flow.Engine
	Clock     gatehouse.Clock
	PublicURL string            // scheme://host of this server
	Limits    *ratelimit.Policy // nil: no rate limits
}

// Pages serves the hosted pages.
type Pages struct {
	c         Clients
	inst      *instance.Manager
	users     *users.Service
	sessions  *session.Service
	flow      *flow.Engine
	clock     gatehouse.Clock
	publicURL string
	limits    *ratelimit.Policy
}

// New returns the hosted pages over o's services.
func New(o Options) *Pages {
	return &Pages{c: o.Clients, inst: o.Instance, users: o.Users, sessions: o.Sessions, flow: o.Flow, clock: o.Clock,
		publicURL: o.PublicURL, limits: o.Limits}
}

func (a *Pages) secure() bool { return strings.HasPrefix(a.publicURL, "https://") }

// Handler serves the hosted pages. Mount it for /sign-in, /sign-up, /user
// and /sign-out (and their sub-paths).
func (a *Pages) Handler() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, fn func(w http.ResponseWriter, r *http.Request) error) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if err := fn(w, r); err != nil {
				a.pageError(w, r, err)
			}
		})
	}
	h("GET /sign-in", a.signInPage)
	h("POST /sign-in", a.signInSubmit)
	h("GET /sign-in/code", a.codePage)
	h("POST /sign-in/code", a.codeSubmit)
	h("GET /sign-in/new-password", a.newPasswordPage)
	h("POST /sign-in/new-password", a.newPasswordSubmit)
	h("GET /sign-up", a.signUpPage)
	h("POST /sign-up", a.signUpSubmit)
	h("GET /sign-up/verify", a.verifyPage)
	h("POST /sign-up/verify", a.verifySubmit)
	h("GET /user", a.userPage)
	h("POST /user/profile", a.profileSubmit)
	h("POST /user/password", a.passwordSubmit)
	h("POST /user/sessions/revoke", a.revokeSubmit)
	h("POST /user/delete", a.deleteSubmit)
	h("POST /user/emails/add", a.addEmailSubmit)
	h("GET /user/emails/verify", a.verifyEmailPage)
	h("POST /user/emails/verify", a.verifyEmailSubmit)
	h("POST /user/emails/resend", a.resendEmailSubmit)
	h("POST /user/emails/primary", a.primaryEmailSubmit)
	h("POST /user/emails/remove", a.removeEmailSubmit)
	h("POST /sign-out", a.signOutSubmit)
	return a.c.ClientMiddleware(a.pageGuard(mux))
}

// pageGuard enforces the CSRF defences on POST (checkCSRF).
func (a *Pages) pageGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			if err := a.checkCSRF(r); err != nil {
				a.pageError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

var errCSRF = gatehouse.Err(gatehouse.CodeCSRFInvalid)

// checkCSRF accepts a page POST only when the browser says it comes from
// this site — an Origin equal to the public URL, or (no Origin) a
// Sec-Fetch-Site of same-origin or none — and it carries the double-submit
// token. A POST with neither header is refused: every current browser sends
// at least one, and the double-submit pair alone can be forged by whoever
// can plant a cookie (a sibling subdomain, an http:// response).
func (a *Pages) checkCSRF(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin != "" && origin != a.publicURL {
		return errCSRF
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
	case "":
		if origin == "" {
			return errCSRF
		}
	default:
		return errCSRF
	}
	c, err := r.Cookie(cookieCSRF)
	tok := a.c.FormValue(r, "csrf_token")
	if err != nil || len(c.Value) < 22 || subtle.ConstantTimeCompare([]byte(c.Value), []byte(tok)) != 1 {
		return errCSRF
	}
	return nil
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newPage fills the branding, the nonce and the CSRF token (issuing the
// cookie when the browser has none).
func (a *Pages) newPage(w http.ResponseWriter, r *http.Request, title string) *page {
	s := a.inst.Settings()
	p := &page{Title: title, AppName: s.ApplicationName, LogoURL: s.LogoURL, Primary: s.PrimaryColor, CSS: pageCSS,
		Nonce: randomToken(18), Values: map[string]string{}, Errors: map[string]string{}}
	if p.AppName == "" {
		p.AppName = "Gatehouse"
	}
	p.Initial = strings.ToUpper(string([]rune(p.AppName)[:1]))
	if p.Primary == "" {
		p.Primary = gatehouse.DefaultPrimaryColor
	}
	p.OnPrimary = onColor(p.Primary)
	if c, err := r.Cookie(cookieCSRF); err == nil && len(c.Value) >= 22 && len(c.Value) <= 64 {
		p.CSRF = c.Value
	} else {
		p.CSRF = randomToken(24)
		http.SetCookie(w, &http.Cookie{Name: cookieCSRF, Value: p.CSRF, Path: "/", HttpOnly: true, Secure: a.secure(), SameSite: http.SameSiteStrictMode})
	}
	if raw := a.param(r, "redirect_url"); raw != "" {
		if _, ok := httpx.ValidRedirect(raw, a.publicURL, s.AllowedOrigins); ok {
			p.RedirectURL = raw
		}
	}
	return p
}

// pageParam is a page parameter from the query string (links) or else the
// form (POSTs); ClientMiddleware has already read the body into the form.
func (a *Pages) param(r *http.Request, name string) string {
	if v := r.URL.Query().Get(name); v != "" {
		return v
	}
	v := a.c.FormValue(r, name)
	return v
}

// onColor picks black or white text for a background, whichever contrasts more.
func onColor(hex string) string {
	if len(hex) != 7 {
		return "#ffffff"
	}
	v, err := strconv.ParseUint(hex[1:], 16, 32)
	if err != nil {
		return "#ffffff"
	}
	lin := func(c uint64) float64 {
		x := float64(c) / 255
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	l := 0.2126*lin(v>>16&0xff) + 0.7152*lin(v>>8&0xff) + 0.0722*lin(v&0xff)
	if (1.05)/(l+0.05) >= (l+0.05)/0.05 {
		return "#ffffff"
	}
	return "#000000"
}

// render writes a page with its CSP; status 200 unless the page carries errors.
func (a *Pages) render(w http.ResponseWriter, status int, name string, p *page) {
	var buf bytes.Buffer
	if err := pageTmpls[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	formAction := "'self'"
	for _, o := range a.inst.Settings().AllowedOrigins {
		formAction += " " + o
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+p.Nonce+"'; img-src 'self' https: data:; form-action "+formAction+
		"; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// pageError renders an error: CSRF and unexpected errors as a message page,
// flow errors are handled by the pages themselves.
func (a *Pages) pageError(w http.ResponseWriter, r *http.Request, err error) {
	p := a.newPage(w, r, "Something went wrong")
	status := http.StatusInternalServerError
	if ge, ok := gatehouse.AsError(err); ok {
		status, p.FormError = ge.Status, ge.LongMessage
	} else if errors.Is(err, gatehouse.ErrUnavailable) {
		status, p.FormError = http.StatusServiceUnavailable, "The service is unavailable right now. Please retry in a moment."
	} else {
		httpx.Logger(r.Context()).Error("internal error", "error", err.Error(), "path", r.URL.Path)
		p.FormError = "Something went wrong on our side. Please retry."
	}
	p.BackURL = "/sign-in" + p.Query()
	a.render(w, status, "message", p)
}

// showFlowError maps a flow error onto the page: a field error when the
// error names a parameter the page has, else a form-level error. It returns
// the HTTP status to render with, or false when err is not a flow error.
func showFlowError(p *page, err error, fields ...string) (int, bool) {
	ge, ok := gatehouse.AsError(err)
	if !ok {
		return 0, false
	}
	msg := ge.LongMessage
	if msg == "" {
		msg = ge.Message
	}
	if name, _ := ge.Meta["param_name"].(string); name != "" {
		for _, f := range fields {
			if f == name {
				p.Errors[name] = msg
				p.FormError = "Please fix the highlighted field."
				return ge.Status, true
			}
		}
	}
	switch ge.Code {
	case gatehouse.CodePasswordIncorrect, gatehouse.CodePasswordPwned, gatehouse.CodePasswordTooShort, gatehouse.CodePasswordTooLong:
		for _, f := range fields {
			if f == "password" || f == "new_password" {
				p.Errors[f] = msg
				p.FormError = "Please fix the highlighted field."
				return ge.Status, true
			}
		}
	case gatehouse.CodeFormCodeIncorrect, gatehouse.CodeVerificationExpired, gatehouse.CodeVerificationFailed:
		p.Errors["code"] = msg
		p.FormError = "Please fix the highlighted field."
		return ge.Status, true
	}
	p.FormError = msg
	if ge.Status == http.StatusTooManyRequests {
		if s, ok := ge.Meta["retry_after_seconds"].(int); ok {
			p.FormError = "Too many attempts. Please wait " + strconv.Itoa(s) + " seconds and try again."
		}
	}
	return ge.Status, true
}

// gone answers 404 with a message page for a step that no longer applies
// (an expired or finished attempt), linking back to back.
func (a *Pages) gone(w http.ResponseWriter, p *page, title, msg, back string) {
	p.Title, p.FormError, p.BackURL = title, msg, back
	a.render(w, http.StatusNotFound, "message", p)
}

// renderFlowError shows a flow error on the page name (see showFlowError)
// and returns nil; any other error is returned for pageError.
func (a *Pages) renderFlowError(w http.ResponseWriter, p *page, name string, err error, fields ...string) error {
	status, ok := showFlowError(p, err, fields...)
	if !ok {
		return err
	}
	if ge, _ := gatehouse.AsError(err); ge != nil && ge.Status == http.StatusTooManyRequests {
		if s, ok := ge.Meta["retry_after_seconds"].(int); ok {
			w.Header().Set("Retry-After", strconv.Itoa(s))
		}
	}
	a.render(w, status, name, p)
	return nil
}

// readCode takes the code field of a code form; it renders the page and
// reports false when the request stops here (no code, or rate-limited).
func (a *Pages) readCode(w http.ResponseWriter, r *http.Request, p *page, rule ratelimit.Rule) (string, bool) {
	code := a.c.FormValue(r, "code")
	code = strings.TrimSpace(code)
	if code == "" {
		p.Errors["code"], p.FormError = "Enter the code from the email.", "Please fix the highlighted field."
		a.render(w, http.StatusUnprocessableEntity, "code", p)
		return "", false
	}
	if a.limited(w, r, p, "code", rule) {
		return "", false
	}
	return code, true
}

// finish sends a signed-in browser on: to redirect_url when allowed, else
// to the profile page.
func (a *Pages) finish(w http.ResponseWriter, r *http.Request, p *page) {
	a.c.WriteClientCookies(w, r, true, a.clock.Now().UnixMilli())
	target := "/user"
	if p.RedirectURL != "" {
		target = p.RedirectURL
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func ago(ms int64, now time.Time) string {
	d := now.Sub(time.UnixMilli(ms))
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " h ago"
	}
	return time.UnixMilli(ms).UTC().Format("2 Jan 2006")
}
