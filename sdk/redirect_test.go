package gatehouse

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

const appOrigin = "http://app.example.test"

// roundTripFunc answers the handshake payload request without a network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// redirectApp is an app with the handshake and Protect, its Backend API
// redeeming the nonce "n1".
func redirectApp(t testing.TB) http.Handler {
	payload := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		body := `{"directives":["__session=abc; Path=/","__client_uat=1800000000; Path=/"]}`
		status := http.StatusOK
		if r.URL.Query().Get("nonce") != "n1" {
			body, status = "{}", http.StatusNotFound
		}
		return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{},
			Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	})
	hs := &Handshake{FrontendURL: "https://clerk.example.test", APIURL: "https://clerk.example.test/api/v1",
		SecretKey: "sk_live_x", HTTPClient: &http.Client{Transport: payload}}
	protect := Protect(ProtectOptions{SignInURL: "https://clerk.example.test/sign-in"})
	return Middleware(pemVerifier(t, nil), MiddlewareOptions{Handshake: hs})(protect(http.NotFoundHandler()))
}

// serveRaw parses target exactly as net/http's server parses a request line
// and serves it; ok is false when the server would refuse the request.
func serveRaw(h http.Handler, target, cookie string) (*httptest.ResponseRecorder, bool) {
	raw := "GET " + target + " HTTP/1.1\r\nHost: app.example.test\r\nAccept: text/html\r\n"
	if cookie != "" {
		raw += "Cookie: " + cookie + "\r\n"
	}
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw + "\r\n")))
	if err != nil || r.Host != "app.example.test" {
		return nil, false
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w, true
}

var schemePrefix = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// browserOrigin models how a browser reads a Location against base: it
// strips leading and trailing C0 controls and spaces, deletes tabs and
// newlines, and takes a backslash for a slash. It returns the scheme://host
// the browser would go to.
func browserOrigin(base *url.URL, loc string) string {
	loc = strings.TrimFunc(loc, func(r rune) bool { return r <= ' ' })
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(loc)
	loc = strings.ReplaceAll(loc, `\`, "/")
	if schemePrefix.MatchString(loc) {
		u, err := url.Parse(loc)
		if err != nil {
			return "unparseable:" + loc
		}
		return u.Scheme + "://" + u.Host
	}
	if strings.HasPrefix(loc, "//") {
		return "scheme-relative:" + loc
	}
	return base.Scheme + "://" + base.Host
}

// checkReturn asserts that the redirect_url handed to Gatehouse (absolute)
// and any same-origin redirect stay on the app's origin.
func checkReturn(t *testing.T, target string, w *httptest.ResponseRecorder) {
	t.Helper()
	loc := w.Header().Get("Location")
	if loc == "" {
		return
	}
	app, _ := url.Parse(appOrigin + "/some/page")
	for _, gate := range []string{"https://clerk.example.test/v1/client/handshake?", "https://clerk.example.test/sign-in?"} {
		if rest, ok := strings.CutPrefix(loc, gate); ok {
			q, err := url.ParseQuery(rest)
			back := q.Get("redirect_url")
			if err != nil || back == "" {
				t.Fatalf("%q: Location %q has no redirect_url", target, loc)
			}
			if got := browserOrigin(app, back); got != appOrigin {
				t.Fatalf("%q: redirect_url %q leads to %s", target, back, got)
			}
			p := strings.TrimPrefix(back, appOrigin)
			if p == back || !isLocalRef(p) {
				t.Fatalf("%q: redirect_url %q is not the app origin plus a local path", target, back)
			}
			return
		}
	}
	if got := browserOrigin(app, loc); got != appOrigin || !isLocalRef(loc) {
		t.Fatalf("%q: Location %q leads to %s", target, loc, got)
	}
}

// A signed-in visitor with a stale token who opens
// https://app//evil.example/x must not end up on evil.example: neither the
// handshake's return address nor the redirect after redeeming the nonce may
// be read as another host.
func TestHandshakeRedirectStaysOnOrigin(t *testing.T) {
	h := redirectApp(t)
	cases := []struct{ target, back, after string }{
		{"//evil.example/x", appOrigin + "/evil.example/x", "/evil.example/x"},
		{`/\evil.example`, appOrigin + "/%5Cevil.example", "/%5Cevil.example"},
		{"/%2F%2Fevil.example", appOrigin + "/%2F%2Fevil.example", "/%2F%2Fevil.example"},
		{"///evil", appOrigin + "/evil", "/evil"},
		{`/\/evil.example`, appOrigin + "/%5C/evil.example", "/%5C/evil.example"},
		{"//evil.example/x?y=1", appOrigin + "/evil.example/x?y=1", "/evil.example/x?y=1"},
		{"/dashboard?x=1", appOrigin + "/dashboard?x=1", "/dashboard?x=1"},
	}
	for _, c := range cases {
		// Step 1: stale session, off to the handshake with a return address.
		w, ok := serveRaw(h, c.target, "__client_uat=1799999000")
		if !ok {
			t.Fatalf("%q: request refused", c.target)
		}
		want := "https://clerk.example.test/v1/client/handshake?format=nonce&redirect_url=" + url.QueryEscape(c.back)
		if w.Code != http.StatusTemporaryRedirect || w.Header().Get("Location") != want {
			t.Errorf("%q: handshake %d %q, want %q", c.target, w.Code, w.Header().Get("Location"), want)
		}
		checkReturn(t, c.target, w)
		// Step 2: back with the nonce: the redirect removing it stays local.
		sep := "?"
		if strings.Contains(c.target, "?") {
			sep = "&"
		}
		w, _ = serveRaw(h, c.target+sep+nonceParam+"=n1", "__client_uat=1799999000")
		if w.Code != http.StatusTemporaryRedirect || w.Header().Get("Location") != c.after {
			t.Errorf("%q: after redeem %d %q, want %q", c.target, w.Code, w.Header().Get("Location"), c.after)
		}
		checkReturn(t, c.target, w)
		// Protect: a signed-out page visit goes to sign-in with the same return address.
		w, _ = serveRaw(h, c.target, "")
		want = "https://clerk.example.test/sign-in?redirect_url=" + url.QueryEscape(c.back)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != want {
			t.Errorf("%q: protect %d %q, want %q", c.target, w.Code, w.Header().Get("Location"), want)
		}
		checkReturn(t, c.target, w)
	}
}

// localRedirect refuses references a browser would take off the origin,
// whatever built them.
func TestLocalRedirectGuard(t *testing.T) {
	for ref, want := range map[string]string{
		"/ok?a=1": "/ok?a=1", "//evil.example": "/", `/\evil.example`: "/", "https://evil.example/": "/",
		"/\t/evil.example": "/", "": "/", "relative": "/", "/": "/", "/#x": "/",
	} {
		w := httptest.NewRecorder()
		localRedirect(w, httptest.NewRequest("GET", "/", nil), ref, http.StatusFound)
		if got := w.Header().Get("Location"); got != want {
			t.Errorf("localRedirect(%q) = %q, want %q", ref, got, want)
		}
	}
}

func FuzzHandshakeRedirect(f *testing.F) {
	for _, s := range []string{"/", "//evil.example/x", `/\evil.example`, "/%2F%2Fevil.example", "///evil", "/a?b=c",
		"/%5C%5Cevil", "/./..//evil", "/%09/evil", "http://evil.example/x", "/x?\\y#z"} {
		f.Add(s)
	}
	h := redirectApp(f)
	f.Fuzz(func(t *testing.T, target string) {
		if strings.ContainsAny(target, " \r\n") {
			return // not one request line
		}
		for _, cookie := range []string{"__client_uat=1799999000", ""} {
			if w, ok := serveRaw(h, target, cookie); ok {
				checkReturn(t, target, w)
			}
		}
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		if w, ok := serveRaw(h, target+sep+nonceParam+"=n1", "__client_uat=1799999000"); ok {
			checkReturn(t, target, w)
		}
	})
}
