package fapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
	"github.com/gatehouse/gatehouse/internal/keys"
	"github.com/gatehouse/gatehouse/internal/session"
)

// handshake implements GET /v1/client/handshake for server-rendered apps:
// compute the cookie directives for this browser, store them under a nonce
// and send the browser back to the app with the nonce (format=nonce, the
// default) or with a signed token carrying them (format=token).
//
// Every directive comes twice, plain and suffixed ("__session" and
// "__session_<suffix>", see cookieNames): the SDKs read one or the other. In
// development mode the browser also gets a dev browser (__clerk_db_jwt),
// which @clerk/backend demands on every request of a development instance.
func (a *API) handshake(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	target, ok := httpx.ValidRedirect(q.Get("redirect_url"), a.PublicURL, a.Instance.Settings().AllowedOrigins)
	if !ok {
		return gatehouse.Err(gatehouse.CodeRedirectURLInvalid)
	}
	origin := target.Scheme + "://" + target.Host
	var dvbToken string
	if a.Dev {
		var err error
		if dvbToken, err = a.handshakeDevBrowser(r, origin); err != nil {
			return err
		}
	}
	attrs := "; Path=/; SameSite=Lax"
	if target.Scheme == "https" {
		attrs += "; Secure"
	}
	var directives []string
	add := func(name, value, attrs string) {
		for _, n := range a.cookieNames(name) {
			directives = append(directives, n+"="+value+attrs)
		}
	}
	signedIn := false
	if st := state(r); st.client != nil {
		if _, s, err := a.currentSession(r); err == nil {
			jwt, err := a.Sessions.MintTokenForClient(r.Context(), st.client.TokenHash, s.ID, origin)
			if err == nil {
				signedIn = true
				add(CookieSession, jwt, attrs)
				add(CookieClientUAT, strconv.FormatInt(st.client.UpdatedAt/1000, 10), attrs+"; Max-Age=31536000")
			}
		}
	}
	if !signedIn {
		add(CookieSession, "", attrs+"; Max-Age=0")
		add(CookieClientUAT, "0", attrs+"; Max-Age=31536000")
	}
	if dvbToken != "" {
		add(CookieDevBrowser, dvbToken, attrs+"; Max-Age=31536000")
	}
	tq := target.Query()
	for _, p := range []string{"__clerk_handshake", "__clerk_handshake_nonce", "__clerk_hs_reason", QueryDevBrowser} {
		tq.Del(p)
	}
	if q.Get("format") == "token" {
		signer, _ := a.Instance.Signer()
		now := a.Clock.Now()
		tok, err := signer.Sign(map[string]any{"handshake": directives, "iat": now.Unix(), "exp": now.Unix() + 120})
		if err != nil {
			return err
		}
		tq.Set("__clerk_handshake", tok)
	} else {
		nonce, err := keys.RandomToken(32)
		if err != nil {
			return err
		}
		b, _ := json.Marshal(directives)
		if err := a.Sessions.PutHandshake(r.Context(), keys.HashToken(nonce), string(b)); err != nil {
			return err
		}
		tq.Set("__clerk_handshake_nonce", nonce)
	}
	target.RawQuery = tq.Encode()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer") // the request URL may carry a dev-browser token
	http.Redirect(w, r, target.String(), http.StatusTemporaryRedirect)
	return nil
}

// handshakeDevBrowser picks the handshake's client and the dev browser to
// hand the app (development mode). A valid __client cookie (first-party
// through a proxy or on the same site) wins; else the client of a valid
// ?__clerk_db_jwt= token. The URL token is handed back only when it already
// names that client (or, for a signed-out visitor, no client) and was made
// for the redirect's origin; otherwise a new dev browser is made for the
// client. A token from the URL is never bound to the cookie's client: a
// planted link must not obtain a bearer token for the victim's client. An
// unknown or expired token is replaced, never answered with a 401.
func (a *API) handshakeDevBrowser(r *http.Request, origin string) (string, error) {
	st := state(r)
	tok := r.URL.Query().Get(QueryDevBrowser)
	var d *session.DevBrowser
	if tok != "" {
		var err error
		d, err = a.Sessions.DevBrowserByToken(r.Context(), tok)
		if errors.Is(err, session.ErrNoDevBrowser) {
			d = nil
		} else if err != nil {
			return "", unavailable(err)
		}
	}
	if st.client == nil && d != nil {
		st.client = d.Client
	}
	if d != nil && (d.Row.Origin == "" || d.Row.Origin == origin) {
		switch {
		case st.client == nil && d.Client == nil:
			return tok, nil
		case st.client != nil && d.Client != nil && d.Client.ID == st.client.ID:
			return tok, nil
		}
	}
	clientID := ""
	if st.client != nil {
		clientID = st.client.ID
	}
	fresh, _, err := a.Sessions.CreateDevBrowser(r.Context(), origin, clientID)
	return fresh, err
}
