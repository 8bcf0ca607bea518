package gatehouse

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

type ctxKey struct{}

// Auth is what the middleware learned about the request's user.
type Auth struct {
	UserID    string
	SessionID string
	Claims    *Claims // nil when signed out
	// Err says why a presented token was refused (nil when none was presented).
	Err error
}

// SignedIn reports whether the request carries a valid session token.
func (a *Auth) SignedIn() bool { return a != nil && a.Claims != nil && a.UserID != "" }

// Has evaluates authorization checks for the signed-in user.
func (a *Auth) Has(checks ...Check) bool { return a.SignedIn() && a.Claims.Has(checks...) }

// AuthFromContext returns the request's Auth (never nil inside Middleware).
func AuthFromContext(ctx context.Context) *Auth {
	if a, ok := ctx.Value(ctxKey{}).(*Auth); ok {
		return a
	}
	return &Auth{}
}

// WithAuth returns ctx carrying a (for tests of handlers).
func WithAuth(ctx context.Context, a *Auth) context.Context {
	return context.WithValue(ctx, ctxKey{}, a)
}

// MiddlewareOptions configure Middleware.
type MiddlewareOptions struct {
	// Handshake, when set, refreshes server-rendered pages whose session
	// token is missing or stale but whose __client_uat says signed in.
	Handshake *Handshake
}

// Middleware verifies the session token from "Authorization: Bearer" or the
// __session cookie and puts an Auth in the request context. It never
// rejects a request itself: use Protect (or Auth.Has) for that.
func Middleware(v *Verifier, opts MiddlewareOptions) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if opts.Handshake != nil {
				if done := opts.Handshake.serve(w, r, v); done {
					return
				}
			}
			a := &Auth{}
			if tok := tokenFrom(r); tok != "" {
				c, err := v.Verify(r.Context(), tok)
				if err == nil {
					a = &Auth{UserID: c.Subject, SessionID: c.SessionID, Claims: c}
				} else {
					a.Err = err
				}
			}
			next.ServeHTTP(w, r.WithContext(WithAuth(r.Context(), a)))
		})
	}
}

func tokenFrom(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok)
		}
		return ""
	}
	if c, err := r.Cookie("__session"); err == nil {
		return c.Value
	}
	return ""
}

// RouteMatcher matches paths against Clerk-style patterns such as
// "/dashboard(.*)" or "/api/notes/:id" (each pattern must match the whole path).
type RouteMatcher struct{ res []*regexp.Regexp }

// MatchRoutes compiles patterns; it panics on an invalid pattern (they are
// program constants).
func MatchRoutes(patterns ...string) *RouteMatcher {
	m := &RouteMatcher{}
	for _, p := range patterns {
		expr := regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)`).ReplaceAllString(p, `[^/]+`)
		m.res = append(m.res, regexp.MustCompile("^"+expr+"$"))
	}
	return m
}

// Match reports whether r's path matches any pattern.
func (m *RouteMatcher) Match(r *http.Request) bool {
	p := r.URL.Path
	for _, re := range m.res {
		if re.MatchString(p) {
			return true
		}
	}
	return false
}

// ProtectOptions configure Protect.
type ProtectOptions struct {
	// SignInURL is where signed-out page requests are sent (with redirect_url).
	SignInURL string
	// Checks must all pass for a signed-in user, else 403.
	Checks []Check
}

// Protect requires a signed-in user (and Checks). API requests (JSON
// clients, non-GET, or paths under /api/) get a 401/403 JSON error; page
// requests from signed-out users are redirected to SignInURL.
func Protect(opts ProtectOptions) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a := AuthFromContext(r.Context())
			if !a.SignedIn() {
				if back, ok := appURL(r); ok && opts.SignInURL != "" && isPage(r) {
					target := opts.SignInURL + "?redirect_url=" + url.QueryEscape(back)
					http.Redirect(w, r, target, http.StatusSeeOther)
					return
				}
				Unauthorized(w)
				return
			}
			if !a.Has(opts.Checks...) {
				Forbidden(w, "You do not have access to this resource.")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func isPage(r *http.Request) bool {
	if r.Method != http.MethodGet || strings.HasPrefix(r.URL.Path, "/api/") {
		return false
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html") || r.Header.Get("Sec-Fetch-Dest") == "document"
}

// ErrorBody is the uniform JSON error of the helpers below.
type ErrorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// WriteError writes a JSON error with the given status.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(ErrorBody{Error: code, Message: message})
}

// Unauthorized writes 401 {"error":"unauthorized",...}.
func Unauthorized(w http.ResponseWriter) {
	WriteError(w, http.StatusUnauthorized, "unauthorized", "Sign in to continue.")
}

// Forbidden writes 403 {"error":"forbidden","message":msg}.
func Forbidden(w http.ResponseWriter, msg string) {
	WriteError(w, http.StatusForbidden, "forbidden", msg)
}

// IsExpired reports whether err is an expired-token error.
func IsExpired(err error) bool { return errors.Is(err, ErrExpired) }
