package gatehouse

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Handshake keeps server-rendered pages signed in without JavaScript: when a
// page request has no fresh session token but __client_uat says the browser
// is signed in, the browser is sent to the Frontend API's handshake, which
// sends it back with a one-time nonce; the nonce is redeemed through the
// Backend API for the Set-Cookie directives.
type Handshake struct {
	FrontendURL string // e.g. https://clerk.example.com (the server's public URL)
	APIURL      string // e.g. https://clerk.example.com/api/v1
	SecretKey   string
	HTTPClient  *http.Client
}

const (
	nonceParam    = "__clerk_handshake_nonce"
	redirectCount = "__clerk_redirect_count"
	maxRedirects  = 3
)

// serve handles the handshake steps; it reports whether it wrote the response.
func (h *Handshake) serve(w http.ResponseWriter, r *http.Request, v *Verifier) bool {
	if r.Method != http.MethodGet || !isPage(r) {
		return false
	}
	if nonce := r.URL.Query().Get(nonceParam); nonce != "" {
		directives, err := h.redeem(r, nonce)
		if err != nil {
			WriteError(w, http.StatusBadGateway, "handshake_failed", "Could not complete sign-in; please reload.")
			return true
		}
		for _, d := range directives {
			w.Header().Add("Set-Cookie", d)
		}
		w.Header().Add("Set-Cookie", redirectCount+"=0; Path=/; Max-Age=0; SameSite=Lax")
		clean := *r.URL
		q := clean.Query()
		q.Del(nonceParam)
		clean.RawQuery = q.Encode()
		w.Header().Set("Cache-Control", "no-store")
		localRedirect(w, r, localPath(&clean), http.StatusTemporaryRedirect)
		return true
	}
	uat := 0
	if c, err := r.Cookie("__client_uat"); err == nil {
		uat, _ = strconv.Atoi(c.Value)
	}
	if uat <= 0 {
		return false
	}
	if tok := tokenFrom(r); tok != "" {
		c, err := v.Verify(r.Context(), tok)
		if err == nil && c.IssuedAt >= int64(uat) {
			return false // fresh enough
		}
		if err != nil && !errors.Is(err, ErrExpired) {
			return false // a bad token is not refreshed: the page sees a signed-out user
		}
	}
	back, ok := appURL(r)
	if !ok {
		return false // no usable return address: serve the page signed out
	}
	count := 0
	if c, err := r.Cookie(redirectCount); err == nil {
		count, _ = strconv.Atoi(c.Value)
	}
	if count >= maxRedirects {
		return false // loop guard: serve the page signed out
	}
	http.SetCookie(w, &http.Cookie{Name: redirectCount, Value: strconv.Itoa(count + 1), Path: "/", MaxAge: 60, SameSite: http.SameSiteLaxMode})
	target := strings.TrimSuffix(h.FrontendURL, "/") + "/v1/client/handshake?format=nonce&redirect_url=" + url.QueryEscape(back)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusTemporaryRedirect)
	return true
}

func (h *Handshake) redeem(r *http.Request, nonce string) ([]string, error) {
	client := h.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	u := strings.TrimSuffix(h.APIURL, "/") + "/clients/handshake_payload?nonce=" + url.QueryEscape(nonce)
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+h.SecretKey)
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("handshake payload: %s", res.Status)
	}
	var body struct {
		Directives []string `json:"directives"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&body); err != nil {
		return nil, err
	}
	for _, d := range body.Directives {
		name, _, _ := strings.Cut(d, "=")
		if !handshakeCookie(name) {
			return nil, fmt.Errorf("handshake payload: unexpected cookie %q", name)
		}
	}
	return body.Directives, nil
}

// handshakeCookie reports whether a handshake directive may set the cookie
// name: the session token, the client's last-update time and (development
// instances) the dev-browser token, each plain or with the instance's
// cookie suffix. Anything else is refused, so a compromised payload cannot
// plant arbitrary cookies on the app.
func handshakeCookie(name string) bool {
	for _, base := range []string{"__session", "__client_uat", "__clerk_db_jwt"} {
		if name == base || strings.HasPrefix(name, base+"_") {
			return true
		}
	}
	return false
}
