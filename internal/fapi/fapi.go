// Package fapi serves Clerk's Frontend API the way clerk-js speaks it:
// form-encoded bodies, the _method override, the {response, client}
// envelope, the __client and __client_uat cookies, CORS with credentials for
// allow-listed origins, the environment document, sign-in/sign-up steps,
// sessions and their tokens, /v1/me, the SSR handshake and the well-known
// documents. All auth logic lives in the flow and session packages.
package fapi

import (
	"context"
	"errors"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/flow"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
	"github.com/gatehouse/gatehouse/internal/instance"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/users"
)

// Cookie names.
const (
	CookieClient    = "__client"
	CookieClientUAT = "__client_uat"
	CookieSession   = "__session"
)

// Options configure New.
type Options struct {
	Instance  *instance.Manager
	Users     *users.Service
	Sessions  *session.Service
	Flow      *flow.Engine
	Clock     gatehouse.Clock
	PublicURL string            // scheme://host of this server
	Dev       bool              // development mode: dev browsers, pk_test_ keys
	Limits    *ratelimit.Policy // nil: no rate limits
	// CookieDomain is the Domain attribute of the __client_uat cookies the
	// FAPI sets ("" : host-only), so an app on the parent domain sees them.
	CookieDomain string
}

// options is embedded under an unexported name: the handlers read a.Users,
// a.Clock, ... and nothing outside the package sets them after New.
type options = Options

// API serves the Frontend API.
type API struct {
	options
}

// New returns the Frontend API over o's services.
func New(o Options) *API { return &API{options: o} }

func (a *API) secure() bool { return strings.HasPrefix(a.PublicURL, "https://") }

// req is the per-request state: the authenticated client (if any) and the
// client token to send back when it changes.
type req struct {
	client   *gatehouse.Client
	token    string // the token presented (or newly issued)
	newToken string // set when the token was issued or rotated
	native   bool
	form     url.Values
	cookied  bool // writeCookies ran

	// dvb is the dev browser that authenticated the request (development
	// mode, ?__clerk_db_jwt=); then no client cookie is read or written.
	dvb *gatehouse.DevBrowser
	// sessionCreated: a session was created, so the dev browser rotates.
	sessionCreated bool
	// ctx is the request's context (the trusted proxy URL, see proxied),
	// for the cookie attributes.
	ctx context.Context
	// view is the client as a flow step left it: respond renders from it
	// without reading the client again.
	view *flow.ClientView
	// signIn and signUp are the attempts a flow step returned: the
	// envelope's sign_in / sign_up when they are the client's current ones.
	signIn *flow.SignIn
	signUp *flow.SignUp
}

// cookieWriter makes sure a client issued during a request that then failed
// still reaches the browser, so failed requests do not mint orphan clients.
type cookieWriter struct {
	http.ResponseWriter
	a  *API
	st *req
}

func (w *cookieWriter) WriteHeader(code int) {
	if w.st.newToken != "" && !w.st.cookied {
		w.st.cookied = true
		w.a.setClientCookie(w.ResponseWriter, w.st)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *cookieWriter) Write(b []byte) (int, error) {
	if !w.st.cookied && w.st.newToken != "" {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

type ctxKey struct{}

func state(r *http.Request) *req { return r.Context().Value(ctxKey{}).(*req) }

// Handler returns the FAPI mux rooted at "/" (mount at the server root: it
// serves /v1/... and /.well-known/...).
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, fn func(w http.ResponseWriter, r *http.Request) error) {
		mux.Handle(pattern, httpx.Handler(fn))
	}
	h("GET /v1/environment", a.environment)
	h("PATCH /v1/environment", a.environment)
	h("GET /v1/client", a.getClient)
	h("PUT /v1/client", a.createClient)
	h("POST /v1/client", a.createClient)
	h("DELETE /v1/client", a.deleteClient)
	h("POST /v1/client/sign_ins", a.createSignIn)
	h("GET /v1/client/sign_ins/{id}", a.getSignIn)
	h("POST /v1/client/sign_ins/{id}/prepare_first_factor", a.prepareFirstFactor)
	h("POST /v1/client/sign_ins/{id}/attempt_first_factor", a.attemptFirstFactor)
	h("POST /v1/client/sign_ins/{id}/reset_password", a.resetPassword)
	h("POST /v1/client/sign_ups", a.createSignUp)
	h("GET /v1/client/sign_ups/{id}", a.getSignUp)
	h("PATCH /v1/client/sign_ups/{id}", a.updateSignUp)
	h("POST /v1/client/sign_ups/{id}/prepare_verification", a.prepareVerification)
	h("POST /v1/client/sign_ups/{id}/attempt_verification", a.attemptVerification)
	h("DELETE /v1/client/sessions", a.endAllSessions)
	h("GET /v1/client/sessions/{id}", a.getSession)
	h("POST /v1/client/sessions/{id}/touch", a.touchSession)
	h("POST /v1/client/sessions/{id}/tokens", a.sessionToken)
	h("POST /v1/client/sessions/{id}/end", a.endSession(gatehouse.SessionEnded))
	h("POST /v1/client/sessions/{id}/remove", a.endSession(gatehouse.SessionRemoved))
	h("GET /v1/client/handshake", a.handshake)
	if a.Dev {
		h("POST /v1/dev_browser", a.createDevBrowser)
	}
	h("GET /v1/me", a.getMe)
	h("PATCH /v1/me", a.updateMe)
	h("POST /v1/me/change_password", a.changePassword)
	h("GET /v1/me/email_addresses", a.listMyEmails)
	h("POST /v1/me/email_addresses", a.addMyEmail)
	h("POST /v1/me/email_addresses/{id}/prepare_verification", a.prepareMyEmail)
	h("POST /v1/me/email_addresses/{id}/attempt_verification", a.attemptMyEmail)
	h("DELETE /v1/me/email_addresses/{id}", a.deleteMyEmail)
	h("GET /v1/me/sessions/active", a.activeSessions)
	h("GET /v1/me/sessions", a.activeSessions)
	h("POST /v1/me/sessions/{id}/revoke", a.revokeMySession)
	h("POST /v1/me/profile_image", a.setMyProfileImage)
	h("DELETE /v1/me/profile_image", a.deleteMyProfileImage)
	h("GET /v1/avatars/default.svg", a.defaultAvatar)
	h("GET /v1/profile_images/{id}", a.profileImage)
	h("GET /.well-known/jwks.json", a.jwks)
	h("GET /.well-known/openid-configuration", a.openidConfiguration)
	return a.cors(a.methodOverride(a.Limits.Frontend(a.proxied(a.loadClient(httpx.JSONMux(mux), true)))))
}

// methodOverride honours clerk-js's POST ?_method=DELETE|PATCH|PUT.
func (a *API) methodOverride(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			switch m := strings.ToUpper(r.URL.Query().Get("_method")); m {
			case http.MethodDelete, http.MethodPatch, http.MethodPut:
				r.Method = m
			}
		}
		next.ServeHTTP(w, r)
	})
}

// loadClient parses the body, authenticates the __client cookie (or the
// Authorization header for native apps) and stores both in the context.
// With devBrowsers (the FAPI, in development mode) a ?__clerk_db_jwt= token
// authenticates the request instead (see authDevBrowser).
func (a *API) loadClient(next http.Handler, devBrowsers bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &req{native: r.URL.Query().Get("_is_native") == "1", ctx: r.Context()}
		form, err := parseForm(r)
		if err == nil {
			err = httpx.CheckQuery(r)
		}
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		st.form = form
		if devBrowsers && a.Dev && !st.native {
			handled, err := a.authDevBrowser(r, st)
			if err != nil {
				httpx.Error(w, r, err)
				return
			}
			if handled {
				next.ServeHTTP(&cookieWriter{ResponseWriter: w, a: a, st: st}, r.WithContext(context.WithValue(r.Context(), ctxKey{}, st)))
				return
			}
		}
		if st.native {
			st.token = strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		} else if c, err := r.Cookie(CookieClient); err == nil {
			st.token = c.Value
		}
		// The refresh endpoint authenticates the client token and the
		// session in one query of its own (see sessionToken).
		if st.token != "" && !isTokenRefresh(r) {
			var c *gatehouse.Client
			var view *flow.ClientView
			var err error
			if isGetClient(r) {
				// GET /v1/client renders the client's sessions: read them
				// with the client, in one statement.
				var list []*gatehouse.Session
				var users map[string]*gatehouse.User
				c, list, users, err = a.Sessions.ClientEnvelopeByToken(r.Context(), st.token)
				if err == nil {
					view = &flow.ClientView{Client: *c, Sessions: list, Users: users, SessionsKnown: true}
				}
			} else {
				c, err = a.Sessions.ClientByToken(r.Context(), st.token)
			}
			switch {
			case errors.Is(err, session.ErrNoClient):
				st.token = ""
			case err != nil:
				httpx.Error(w, r, unavailable(err))
				return
			default:
				st.client, st.view = c, view
			}
		}
		next.ServeHTTP(&cookieWriter{ResponseWriter: w, a: a, st: st}, r.WithContext(context.WithValue(r.Context(), ctxKey{}, st)))
	})
}

func isGetClient(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Path == "/v1/client"
}

func isTokenRefresh(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/client/sessions/") && strings.HasSuffix(r.URL.Path, "/tokens")
}

func unavailable(err error) error {
	return gatehouse.Err(gatehouse.CodeServiceUnavailable).With("cause", "storage")
}

// ensureClient returns the request's client, creating one (and its cookie)
// when the request has none.
func (a *API) ensureClient(r *http.Request) (*gatehouse.Client, error) {
	st := state(r)
	if st.client != nil {
		return st.client, nil
	}
	// Sign-in and sign-up steps create the client inside their own
	// transaction instead (stepClient); the other endpoints come here.
	c, tok, err := a.Sessions.CreateClient(r.Context(), st.dvb)
	if errors.Is(err, session.ErrDevBrowserBound) {
		return a.reloadDevBrowserClient(r)
	}
	if err != nil {
		return nil, err
	}
	st.client, st.token, st.newToken = c, tok, tok
	return c, nil
}

// stepClient returns the request's client for a flow step that can create
// one: nil when the request has none (and no dev browser, whose binding
// needs ensureClient), so that the step creates the client inside its own
// write transaction; the handler then adopts it from the result (adopt).
func (a *API) stepClient(r *http.Request) (*gatehouse.Client, error) {
	if st := state(r); st.client == nil && st.dvb == nil {
		return nil, nil
	}
	return a.ensureClient(r)
}

// failStep answers a step that failed; a browser that came without a client
// still gets one (as when the client was created before the step), unless
// the step saved it already.
func (a *API) failStep(r *http.Request, err error) error {
	if state(r).client == nil {
		if _, cerr := a.ensureClient(r); cerr != nil {
			return cerr
		}
	}
	return err
}

// adopt records what a flow step did to the request's client: a client it
// created (with its first token, even when the step then failed), a token
// it rotated (a session was created), and the client view the response
// renders from.
func adopt(r *http.Request, res *flow.Result) {
	if res == nil {
		return
	}
	st := state(r)
	if res.Client != nil {
		c := res.Client.Client
		st.client, st.view = &c, res.Client
	}
	st.signIn, st.signUp = res.SignIn, res.SignUp
	sessionCreated := res.SignIn != nil && res.SignIn.CreatedSessionID != "" || res.SignUp != nil && res.SignUp.CreatedSessionID != ""
	if res.NewClient && !sessionCreated {
		st.token, st.newToken = res.ClientToken, res.ClientToken // a new client, no session yet
		return
	}
	rotated(r, res.ClientToken)
}

// requireClient returns the request's client or a 401 Clerk uses for a
// signed-out browser.
func requireClient(r *http.Request) (*gatehouse.Client, error) {
	if c := state(r).client; c != nil {
		return c, nil
	}
	return nil, gatehouse.Err(gatehouse.CodeAuthenticationInvalid)
}

// rotated records a new client token from a flow result (a session was
// created: a dev browser rotates too, in respond).
func rotated(r *http.Request, tok string) {
	if tok != "" {
		st := state(r)
		st.token, st.newToken, st.sessionCreated = tok, tok, true
	}
}

func (a *API) setClientCookie(w http.ResponseWriter, st *req) {
	if st.dvb != nil {
		return // the dev browser token stands in for the cookie
	}
	if st.native {
		w.Header().Set("Authorization", st.newToken)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieClient, Value: st.newToken, Path: "/", HttpOnly: true,
		Secure: a.cookieSecure(st.ctx), SameSite: http.SameSiteLaxMode, Expires: a.Clock.Now().Add(365 * 24 * time.Hour)})
}

// writeCookies sets __client (when issued or rotated) and __client_uat.
func (a *API) writeCookies(w http.ResponseWriter, r *http.Request, signedIn bool, uat int64) {
	st := state(r)
	if st.newToken != "" {
		a.setClientCookie(w, st)
	}
	st.cookied = true
	if st.native || st.dvb != nil {
		return
	}
	v := "0"
	if signedIn {
		v = strconv.FormatInt(uat/1000, 10)
	}
	a.setClientUAT(w, r, v)
}

// setClientUAT sets __client_uat and its suffixed twin (see cookieNames),
// on CookieDomain when configured (host-only behind a proxy, see proxied).
func (a *API) setClientUAT(w http.ResponseWriter, r *http.Request, v string) {
	for _, name := range a.cookieNames(CookieClientUAT) {
		http.SetCookie(w, &http.Cookie{Name: name, Value: v, Path: "/", Domain: a.cookieDomain(r.Context()), Secure: a.cookieSecure(r.Context()),
			SameSite: http.SameSiteLaxMode, Expires: a.Clock.Now().Add(365 * 24 * time.Hour)})
	}
}

// cookieNames returns a cookie's plain name and its suffixed twin
// "<name>_<suffix>", the suffix derived from the publishable key the way the
// Clerk SDKs derive it (keys.CookieSuffix).
func (a *API) cookieNames(name string) []string {
	return []string{name, name + "_" + a.Instance.CookieSuffix()}
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *cookieWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
