package fapi

import (
	"errors"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
	"github.com/gatehouse/gatehouse/internal/session"
)

// Dev browser names (development mode; docs/design-nextjs.md §2).
const (
	// CookieDevBrowser is the cookie the handshake asks the app to set, and
	// QueryDevBrowser the query parameter clerk-js sends the token in.
	CookieDevBrowser = "__clerk_db_jwt"
	QueryDevBrowser  = "__clerk_db_jwt"
	// HeaderDevBrowser carries the replacement token after a rotation.
	HeaderDevBrowser = "Clerk-Db-Jwt"
)

// createDevBrowser is POST /v1/dev_browser (development mode only; the route
// does not exist in production): a new, unbound dev browser whose id is its
// bearer token. CORS has already refused origins that are not allowed.
func (a *API) createDevBrowser(w http.ResponseWriter, r *http.Request) error {
	tok, _, err := a.Sessions.CreateDevBrowser(r.Context(), r.Header.Get("Origin"), "")
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, map[string]any{"object": "dev_browser", "id": tok})
	return nil
}

// authDevBrowser authenticates a request carrying ?__clerk_db_jwt=: the dev
// browser's client (if bound) becomes the request's client and the __client
// cookie is neither read nor written. It reports false when the request
// names no token, or is the creation endpoint or the handshake (which
// choose their client themselves). An unknown or expired token, or one used
// from another origin than the one it was made for, is a 401
// dev_browser_unauthenticated.
func (a *API) authDevBrowser(r *http.Request, st *req) (bool, error) {
	tok := r.URL.Query().Get(QueryDevBrowser)
	if tok == "" || r.URL.Path == "/v1/dev_browser" || r.URL.Path == "/v1/client/handshake" {
		return false, nil
	}
	d, err := a.Sessions.DevBrowserByToken(r.Context(), tok)
	if errors.Is(err, session.ErrNoDevBrowser) {
		return false, gatehouse.DevBrowserUnauthenticated()
	}
	if err != nil {
		return false, unavailable(err)
	}
	if o := r.Header.Get("Origin"); o != "" && d.Row.Origin != "" && o != d.Row.Origin {
		return false, gatehouse.DevBrowserUnauthenticated()
	}
	st.dvb, st.client = d.Row, d.Client
	return true, nil
}

// reloadDevBrowserClient adopts the client a concurrent request bound to the
// dev browser (ensureClient lost the race and rolled its client back).
func (a *API) reloadDevBrowserClient(r *http.Request) (*gatehouse.Client, error) {
	st := state(r)
	d, err := a.Sessions.DevBrowserByToken(r.Context(), r.URL.Query().Get(QueryDevBrowser))
	if errors.Is(err, session.ErrNoDevBrowser) || err == nil && d.Client == nil {
		return nil, gatehouse.DevBrowserUnauthenticated()
	}
	if err != nil {
		return nil, err
	}
	st.dvb, st.client = d.Row, d.Client
	return d.Client, nil
}

// rotateDevBrowser gives the request's dev browser a new token after a
// session was created on it (fixation defence, like the __client token) and
// sends it in the Clerk-Db-Jwt header; the old token stops working.
func (a *API) rotateDevBrowser(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	if st.dvb == nil || !st.sessionCreated {
		return nil
	}
	st.sessionCreated = false
	tok, err := a.Sessions.RotateDevBrowser(r.Context(), st.dvb)
	if errors.Is(err, session.ErrNoDevBrowser) {
		return gatehouse.DevBrowserUnauthenticated() // a concurrent rotation won
	}
	if err != nil {
		return err
	}
	w.Header().Set(HeaderDevBrowser, tok)
	return nil
}

// mint issues a session token for the request's client: by its dev browser's
// client, else by the presented client token.
func (a *API) mint(r *http.Request, sessionID, azp string) (string, error) {
	st := state(r)
	if st.dvb != nil {
		if st.client == nil {
			return "", session.ErrNoClient
		}
		return a.Sessions.MintTokenForClient(r.Context(), st.client.TokenHash, sessionID, azp)
	}
	return a.Sessions.MintToken(r.Context(), st.token, sessionID, azp)
}
