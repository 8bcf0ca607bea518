package fapi_test

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/server"
)

// pageBrowser is a browser without JavaScript: cookies, forms, no automatic
// redirects.
type pageBrowser struct {
	t      *testing.T
	s      *apitest.Server
	c      *http.Client
	header map[string]string
}

func newPageBrowser(t *testing.T, s *apitest.Server) *pageBrowser {
	jar, _ := cookiejar.New(nil)
	return &pageBrowser{t: t, s: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type pageResp struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (b *pageBrowser) do(method, path string, form url.Values) pageResp {
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
	for k, v := range b.header {
		req.Header.Set(k, v)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	// Text as the user reads it: html/template escapes characters such as +.
	return pageResp{Status: res.StatusCode, Body: html.UnescapeString(string(data)), Location: res.Header.Get("Location"), Header: res.Header}
}

func (b *pageBrowser) get(path string) pageResp { return b.do("GET", path, nil) }

// post submits a form with the CSRF token the browser holds.
func (b *pageBrowser) post(path string, kv ...string) pageResp {
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
	return b.do("POST", path, f)
}

// follow GETs a redirect target on this server.
func (b *pageBrowser) follow(r pageResp) pageResp {
	b.t.Helper()
	if r.Status != http.StatusSeeOther {
		b.t.Fatalf("want a 303, got %d: %.400s", r.Status, r.Body)
	}
	return b.get(strings.TrimPrefix(r.Location, b.s.URL))
}

var reNonce = regexp.MustCompile(`style-src 'nonce-([A-Za-z0-9_-]+)'`)

func TestPagesSecurityHeadersAndCSRF(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	b := newPageBrowser(t, s)
	r := b.get("/sign-in")
	csp := r.Header.Get("Content-Security-Policy")
	m := reNonce.FindStringSubmatch(csp)
	if r.Status != 200 || m == nil || !strings.Contains(r.Body, `<style nonce="`+m[1]+`">`) || strings.Contains(csp, "script-src") && !strings.Contains(csp, "default-src 'none'") {
		t.Fatalf("sign-in page: %d CSP %q", r.Status, csp)
	}
	for _, want := range []string{"frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP lacks %s: %s", want, csp)
		}
	}
	if strings.Contains(r.Body, "<script") {
		t.Error("the page carries a script")
	}
	for _, want := range []string{`<label for="identifier">`, `autocomplete="username"`, `autocomplete="current-password"`, `name="csrf_token"`, `lang="en"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("sign-in page lacks %s", want)
		}
	}
	if b.get("/sign-in").Header.Get("Content-Security-Policy") == csp {
		t.Error("the nonce does not change per response")
	}
	s.BAPI("POST", "/users", map[string]any{"email_address": []string{"page@example.com"}, "password": "page password 1"})
	// CSRF: no token, wrong token, foreign Origin, cross-site fetch: refused before any work.
	bad := []struct {
		name string
		do   func() pageResp
	}{
		{"no token", func() pageResp {
			return b.do("POST", "/sign-in", url.Values{"identifier": {"page@example.com"}, "password": {"page password 1"}})
		}},
		{"wrong token", func() pageResp {
			return b.do("POST", "/sign-in", url.Values{"csrf_token": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, "identifier": {"page@example.com"}, "password": {"page password 1"}})
		}},
		{"foreign origin", func() pageResp {
			b.header = map[string]string{"Origin": "https://evil.example"}
			defer func() { b.header = nil }()
			return b.post("/sign-in", "identifier", "page@example.com", "password", "page password 1")
		}},
		{"cross-site fetch", func() pageResp {
			b.header = map[string]string{"Sec-Fetch-Site": "cross-site"}
			defer func() { b.header = nil }()
			return b.post("/sign-in", "identifier", "page@example.com", "password", "page password 1")
		}},
	}
	for _, c := range bad {
		if r := c.do(); r.Status != 403 || !strings.Contains(r.Body, "another site") {
			t.Errorf("%s: %d %.200s", c.name, r.Status, r.Body)
		}
	}
	if b.get("/user").Status != http.StatusSeeOther {
		t.Fatal("a refused form signed the browser in")
	}
	for path, want := range map[string]string{"/sign-in/code?sia=sia_nope": "no longer waiting", "/sign-in/new-password?sia=sia_nope": "no longer active",
		"/sign-up/verify?sua=sua_nope": "no longer waiting"} {
		if r := b.get(path); r.Status != 404 || !strings.Contains(r.Body, want) {
			t.Errorf("%s: %d %.200s", path, r.Status, r.Body)
		}
	}
}

// The whole journey without JavaScript; a user made on the pages signs in
// through the Frontend API and the other way round.
func TestPagesJourney(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		const email = "journey+clerk_test@example.com"
		b := newPageBrowser(t, s)
		b.get("/sign-up")
		r := b.post("/sign-up", "first_name", "Ada", "last_name", "Lovelace", "email_address", email, "password", "first pass 123")
		v := b.follow(r)
		if v.Status != 200 || !strings.Contains(v.Body, email) || !strings.Contains(v.Body, `autocomplete="one-time-code"`) {
			t.Fatalf("verify page: %d %.300s", v.Status, v.Body)
		}
		sua := regexp.MustCompile(`name="sua" value="([^"]+)"`).FindStringSubmatch(v.Body)[1]
		if r := b.post("/sign-up/verify", "sua", sua, "code", "000000"); r.Status != 422 || !strings.Contains(r.Body, `aria-describedby="code-error"`) {
			t.Fatalf("wrong code: %d %.300s", r.Status, r.Body)
		}
		u := b.follow(b.post("/sign-up/verify", "sua", sua, "code", "424242"))
		if u.Status != 200 || !strings.Contains(u.Body, "Ada") || !strings.Contains(u.Body, email) {
			t.Fatalf("profile after sign-up: %d %.300s", u.Status, u.Body)
		}
		// Sign out, then sign in with a wrong and the right password.
		if r := b.post("/sign-out"); r.Status != 303 || b.get("/user").Status != 303 {
			t.Fatalf("sign-out: %d", r.Status)
		}
		b.get("/sign-in")
		w := b.post("/sign-in", "identifier", email, "password", "wrong pass 123")
		if w.Status != 422 || !strings.Contains(w.Body, `aria-invalid="true" aria-describedby="password-error"`) || !strings.Contains(w.Body, `role="alert"`) {
			t.Fatalf("wrong password: %d %.500s", w.Status, w.Body)
		}
		if r := b.post("/sign-in", "identifier", email, "password", "first pass 123"); r.Status != 303 || r.Location != "/user" {
			t.Fatalf("sign-in: %d %s", r.Status, r.Location)
		}
		// The same user through the Frontend API (clerk-js's calls).
		api := s.NewBrowser()
		e := api.Call("POST", "/v1/client/sign_ins", form("identifier", email, "password", "first pass 123")).Env(t)
		otherSID, _ := e.Response["created_session_id"].(string)
		if otherSID == "" {
			t.Fatalf("FAPI sign-in of a page-made user: %v", e.Response)
		}
		// Change password, revoke the other session from the profile.
		if r := b.post("/user/password", "current_password", "nope nope 1", "new_password", "second pass 456"); r.Status != 422 || !strings.Contains(r.Body, "current_password-error") {
			t.Fatalf("wrong current password: %d", r.Status)
		}
		if r := b.follow(b.post("/user/password", "current_password", "first pass 123", "new_password", "second pass 456")); !strings.Contains(r.Body, "Password changed") {
			t.Fatalf("change password: %.300s", r.Body)
		}
		p := b.get("/user")
		if !strings.Contains(p.Body, `value="`+otherSID+`"`) {
			t.Fatalf("the other session is not listed: %.600s", p.Body)
		}
		if r := b.follow(b.post("/user/sessions/revoke", "session_id", otherSID)); !strings.Contains(r.Body, "signed out") {
			t.Fatalf("revoke: %.300s", r.Body)
		}
		if r, _ := token(t, api, otherSID); r.Status == 200 {
			t.Fatal("the revoked session still mints tokens")
		}
		// Reset the password from the sign-in page.
		b.post("/sign-out")
		b.get("/sign-in")
		c := b.follow(b.post("/sign-in", "identifier", email, "action", "reset"))
		sia := regexp.MustCompile(`name="sia" value="([^"]+)"`).FindStringSubmatch(c.Body)[1]
		np := b.follow(b.post("/sign-in/code", "sia", sia, "code", "424242"))
		if !strings.Contains(np.Body, `autocomplete="new-password"`) {
			t.Fatalf("new-password page: %.300s", np.Body)
		}
		if r := b.post("/sign-in/new-password", "sia", sia, "password", "password"); r.Status != 422 || !strings.Contains(r.Body, "password-error") {
			t.Fatalf("common password on reset: %d", r.Status)
		}
		if r := b.post("/sign-in/new-password", "sia", sia, "password", "third pass 789", "sign_out_of_other_sessions", "true"); r.Status != 303 {
			t.Fatalf("reset: %d %.300s", r.Status, r.Body)
		}
		// And the new password works through the Frontend API.
		e = s.NewBrowser().Call("POST", "/v1/client/sign_ins", form("identifier", email, "password", "third pass 789")).Env(t)
		if e.Response["status"] != "complete" {
			t.Fatalf("FAPI sign-in after a page reset: %v", e.Response)
		}
	})
}

// redirect_url is honoured only for allowlisted origins; pages share the
// Frontend API's rate limits.
func TestPagesRedirectsAndLimits(t *testing.T) {
	s := apitest.StartConfig(t, apitest.SQLite, func(c *server.Config) { c.RateLimits = "on" })
	s.BAPI("PATCH", "/instance", map[string]any{"allowed_origins": []string{"https://app.example.com"}})
	s.BAPI("POST", "/users", map[string]any{"email_address": []string{"redir@example.com"}, "password": "redir password 1"})
	b := newPageBrowser(t, s)
	b.get("/sign-in?redirect_url=" + url.QueryEscape("https://app.example.com/dashboard"))
	r := b.post("/sign-in", "identifier", "redir@example.com", "password", "redir password 1", "redirect_url", "https://app.example.com/dashboard")
	if r.Status != 303 || r.Location != "https://app.example.com/dashboard" {
		t.Fatalf("allowlisted redirect: %d %q", r.Status, r.Location)
	}
	if csp := newPageBrowser(t, s).get("/sign-in").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://app.example.com") {
		t.Fatalf("form-action must allow the redirect origin: %s", csp)
	}
	b2 := newPageBrowser(t, s)
	b2.get("/sign-in")
	r = b2.post("/sign-in", "identifier", "redir@example.com", "password", "redir password 1", "redirect_url", "https://evil.example/")
	if r.Status != 303 || r.Location != "/user" {
		t.Fatalf("foreign redirect: %d %q", r.Status, r.Location)
	}
	// Three attempts per 10 s per address (the earlier two sign-ins used two).
	b3 := newPageBrowser(t, s)
	b3.get("/sign-in")
	var last pageResp
	for range 3 {
		last = b3.post("/sign-in", "identifier", "redir@example.com", "password", "wrong password 1")
	}
	if last.Status != 429 || last.Header.Get("Retry-After") == "" || !strings.Contains(last.Body, "Too many attempts") {
		t.Fatalf("page rate limit: %d %q %.300s", last.Status, last.Header.Get("Retry-After"), last.Body)
	}
}
