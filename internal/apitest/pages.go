package apitest

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// PageBrowser drives the hosted pages like a browser without JavaScript:
// cookies, forms, no automatic redirects.
type PageBrowser struct {
	t      testing.TB
	s      *Server
	c      *http.Client
	Header map[string]string // extra headers on every request
}

// NewPageBrowser returns a PageBrowser on s with an empty cookie jar.
func NewPageBrowser(t testing.TB, s *Server) *PageBrowser {
	jar, _ := cookiejar.New(nil)
	return &PageBrowser{t: t, s: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// PageResp is one page response, its body unescaped as the user reads it.
type PageResp struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

// Do sends a request; a form goes as a form body with this site's Origin.
func (b *PageBrowser) Do(method, path string, form url.Values) PageResp {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.s.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.s.URL)
	}
	for k, v := range b.Header {
		req.Header.Set(k, v)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	// Text as the user reads it: html/template escapes characters such as +.
	return PageResp{Status: res.StatusCode, Body: html.UnescapeString(string(data)), Location: res.Header.Get("Location"), Header: res.Header}
}

// Get GETs a page.
func (b *PageBrowser) Get(path string) PageResp { return b.Do("GET", path, nil) }

// Post submits a form with the CSRF token the browser holds.
func (b *PageBrowser) Post(path string, kv ...string) PageResp {
	b.t.Helper()
	f := url.Values{}
	u, _ := url.Parse(b.s.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "__gh_csrf" {
			f.Set("csrf_token", c.Value)
		}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return b.Do("POST", path, f)
}

// Follow GETs a redirect target on this server.
func (b *PageBrowser) Follow(r PageResp) PageResp {
	b.t.Helper()
	if r.Status != http.StatusSeeOther {
		b.t.Fatalf("want a 303, got %d: %.400s", r.Status, r.Body)
	}
	return b.Get(strings.TrimPrefix(r.Location, b.s.URL))
}
