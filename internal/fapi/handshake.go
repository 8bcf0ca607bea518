package fapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/keys"
)

// ValidRedirect reports whether raw is an absolute http(s) URL whose origin is
// exactly this server's or one of allowed (no prefix matching, no userinfo).
func ValidRedirect(raw, self string, allowed []string) (*url.URL, bool) {
	if len(raw) > 4096 {
		return nil, false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Opaque != "" {
		return nil, false
	}
	origin := u.Scheme + "://" + u.Host
	if origin == self {
		return u, true
	}
	for _, a := range allowed {
		if origin == a || origin+"/" == a {
			return u, true
		}
	}
	return nil, false
}

// handshake implements GET /v1/client/handshake for server-rendered apps:
// compute the cookie directives for this browser, store them under a nonce
// and send the browser back to the app with the nonce (format=nonce, the
// default) or with a signed token carrying them (format=token).
func (a *API) handshake(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	target, ok := ValidRedirect(q.Get("redirect_url"), a.PublicURL, a.Instance.Settings().AllowedOrigins)
	if !ok {
		return &gatehouse.Error{Status: http.StatusBadRequest, Code: "redirect_url_invalid", Message: "invalid redirect_url",
			LongMessage: "redirect_url must be an absolute URL on an allowed origin."}
	}
	secure := target.Scheme == "https"
	attrs := "; Path=/; SameSite=Lax"
	if secure {
		attrs += "; Secure"
	}
	var directives []string
	signedIn := false
	if st := state(r); st.client != nil {
		if _, s, err := a.currentSession(r); err == nil {
			jwt, err := a.Sessions.MintToken(r.Context(), st.token, s.ID, target.Scheme+"://"+target.Host)
			if err == nil {
				signedIn = true
				uat := strconv.FormatInt(st.client.UpdatedAt/1000, 10)
				directives = append(directives, "__session="+jwt+attrs, "__client_uat="+uat+attrs+"; Max-Age=31536000")
			}
		}
	}
	if !signedIn {
		directives = append(directives, "__session="+attrs+"; Max-Age=0", "__client_uat=0"+attrs+"; Max-Age=31536000")
	}
	tq := target.Query()
	for _, p := range []string{"__clerk_handshake", "__clerk_handshake_nonce", "__clerk_hs_reason", "__clerk_db_jwt"} {
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
	http.Redirect(w, r, target.String(), http.StatusTemporaryRedirect)
	return nil
}
