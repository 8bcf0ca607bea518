package fapi

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// What the hosted pages (internal/pages) share with the Frontend API: the
// same __client cookie and per-request client, through these methods only.

// ClientMiddleware parses the body and loads the request's client from the
// __client cookie (no dev browsers: the pages are first-party).
func (a *API) ClientMiddleware(next http.Handler) http.Handler { return a.loadClient(next, false) }

// EnsureClient returns the request's client, creating one (and its cookie)
// when the request has none.
func (a *API) EnsureClient(r *http.Request) (*gatehouse.Client, error) { return a.ensureClient(r) }

// RequireClient returns the request's client or a 401.
func (a *API) RequireClient(r *http.Request) (*gatehouse.Client, error) { return requireClient(r) }

// ClientRotated records the client token a flow step issued ("" : none).
func (a *API) ClientRotated(r *http.Request, token string) { rotated(r, token) }

// WriteClientCookies sets __client (when issued or rotated) and __client_uat.
func (a *API) WriteClientCookies(w http.ResponseWriter, r *http.Request, signedIn bool, uat int64) {
	a.writeCookies(w, r, signedIn, uat)
}

// ClearClient removes the client cookie and marks the browser signed out.
func (a *API) ClearClient(w http.ResponseWriter, r *http.Request) { a.clearClient(w, r) }

// CurrentUser returns the request's session and its user (a 401 when
// signed out).
func (a *API) CurrentUser(r *http.Request) (*gatehouse.Session, *gatehouse.User, error) {
	return a.me(r)
}

// SignedIn reports whether the request's client has an active session.
func (a *API) SignedIn(r *http.Request) bool {
	_, _, err := a.currentSession(r)
	return err == nil
}

// ChangeOwnPassword is the signed-in user's password change (see
// changeOwnPassword).
func (a *API) ChangeOwnPassword(r *http.Request, s *gatehouse.Session, u *gatehouse.User, cur, next string, signOutOthers bool) (*gatehouse.User, error) {
	return a.changeOwnPassword(r, s, u, cur, next, signOutOthers)
}

// FormValue is a field of the body ClientMiddleware parsed ("" when absent).
func (a *API) FormValue(r *http.Request, name string) string {
	v, _ := formString(r, name)
	return v
}

// FormBool is a boolean field of the parsed body.
func (a *API) FormBool(r *http.Request, name string) bool { return formBool(r, name) }

// clearClient removes the client cookie and marks the browser signed out.
func (a *API) clearClient(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieClient, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: a.cookieSecure(r.Context()), SameSite: http.SameSiteLaxMode})
	a.setClientUAT(w, r, "0")
}
