package apitest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// Browser drives the Frontend API the way clerk-js does: form bodies, POST
// with ?_method= for other verbs, a cookie jar and an Origin header.
type Browser struct {
	s      *Server
	t      testing.TB
	Client *http.Client
	Origin string
	Base   string      // server URL to call; empty: the server the browser came from
	Header http.Header // extra headers on every request
}

// NewBrowser returns a Browser with an empty cookie jar whose Origin is the
// server's own URL.
func (s *Server) NewBrowser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{s: s, t: s.t, Origin: s.URL, Client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// Call sends method path with form values (nil for none). Methods other
// than GET and POST go as POST ?_method=X, as clerk-js sends them.
func (b *Browser) Call(method, path string, form url.Values) *Response {
	b.t.Helper()
	m := method
	if method != http.MethodGet && method != http.MethodPost {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "_method=" + method
		m = http.MethodPost
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	base := b.Base
	if base == "" {
		base = b.s.URL
	}
	req, err := http.NewRequest(m, base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.Origin != "" {
		req.Header.Set("Origin", b.Origin)
	}
	for k, v := range b.Header {
		req.Header[k] = v
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// Cookie returns the value of a cookie the browser holds for the server.
func (b *Browser) Cookie(name string) string {
	u, _ := url.Parse(b.s.URL)
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// Envelope is a FAPI {response, client} body.
type Envelope struct {
	Response map[string]any `json:"response"`
	Client   map[string]any `json:"client"`
}

// Env decodes a FAPI envelope, failing the test unless status is 200.
func (r *Response) Env(t testing.TB) Envelope {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var e Envelope
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
	return e
}
