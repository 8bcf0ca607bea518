package pages_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/config"
)

var reNonce = regexp.MustCompile(`style-src 'nonce-([A-Za-z0-9_-]+)'`)

func TestPagesSecurityHeadersAndCSRF(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	b := apitest.NewPageBrowser(t, s)
	r := b.Get("/sign-in")
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
	if b.Get("/sign-in").Header.Get("Content-Security-Policy") == csp {
		t.Error("the nonce does not change per response")
	}
	s.BAPI("POST", "/users", map[string]any{"email_address": []string{"page@example.com"}, "password": "page password 1"})
	// CSRF: no token, wrong token, foreign Origin, cross-site fetch: refused before any work.
	bad := []struct {
		name string
		do   func() apitest.PageResp
	}{
		{"no token", func() apitest.PageResp {
			return b.Do("POST", "/sign-in", url.Values{"identifier": {"page@example.com"}, "password": {"page password 1"}})
		}},
		{"wrong token", func() apitest.PageResp {
			return b.Do("POST", "/sign-in", url.Values{"csrf_token": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, "identifier": {"page@example.com"}, "password": {"page password 1"}})
		}},
		{"foreign origin", func() apitest.PageResp {
			b.Header = map[string]string{"Origin": "https://evil.example"}
			defer func() { b.Header = nil }()
			return b.Post("/sign-in", "identifier", "page@example.com", "password", "page password 1")
		}},
		{"cross-site fetch", func() apitest.PageResp {
			b.Header = map[string]string{"Sec-Fetch-Site": "cross-site"}
			defer func() { b.Header = nil }()
			return b.Post("/sign-in", "identifier", "page@example.com", "password", "page password 1")
		}},
	}
	for _, c := range bad {
		if r := c.do(); r.Status != 403 || !strings.Contains(r.Body, "another site") {
			t.Errorf("%s: %d %.200s", c.name, r.Status, r.Body)
		}
	}
	if b.Get("/user").Status != http.StatusSeeOther {
		t.Fatal("a refused form signed the browser in")
	}
	for path, want := range map[string]string{"/sign-in/code?sia=sia_nope": "no longer waiting", "/sign-in/new-password?sia=sia_nope": "no longer active",
		"/sign-up/verify?sua=sua_nope": "no longer waiting"} {
		if r := b.Get(path); r.Status != 404 || !strings.Contains(r.Body, want) {
			t.Errorf("%s: %d %.200s", path, r.Status, r.Body)
		}
	}
}

// The whole journey without JavaScript; a user made on the pages signs in
// through the Frontend API and the other way round.
func TestPagesJourney(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		const email = "journey+clerk_test@example.com"
		b := apitest.NewPageBrowser(t, s)
		b.Get("/sign-up")
		r := b.Post("/sign-up", "first_name", "Ada", "last_name", "Lovelace", "email_address", email, "password", "first pass 123")
		v := b.Follow(r)
		if v.Status != 200 || !strings.Contains(v.Body, email) || !strings.Contains(v.Body, `autocomplete="one-time-code"`) {
			t.Fatalf("verify page: %d %.300s", v.Status, v.Body)
		}
		sua := regexp.MustCompile(`name="sua" value="([^"]+)"`).FindStringSubmatch(v.Body)[1]
		if r := b.Post("/sign-up/verify", "sua", sua, "code", "000000"); r.Status != 422 || !strings.Contains(r.Body, `aria-describedby="code-error"`) {
			t.Fatalf("wrong code: %d %.300s", r.Status, r.Body)
		}
		u := b.Follow(b.Post("/sign-up/verify", "sua", sua, "code", "424242"))
		if u.Status != 200 || !strings.Contains(u.Body, "Ada") || !strings.Contains(u.Body, email) {
			t.Fatalf("profile after sign-up: %d %.300s", u.Status, u.Body)
		}
		// Sign out, then sign in with a wrong and the right password.
		if r := b.Post("/sign-out"); r.Status != 303 || b.Get("/user").Status != 303 {
			t.Fatalf("sign-out: %d", r.Status)
		}
		b.Get("/sign-in")
		w := b.Post("/sign-in", "identifier", email, "password", "wrong pass 123")
		if w.Status != 422 || !strings.Contains(w.Body, `aria-invalid="true" aria-describedby="password-error"`) || !strings.Contains(w.Body, `role="alert"`) {
			t.Fatalf("wrong password: %d %.500s", w.Status, w.Body)
		}
		if r := b.Post("/sign-in", "identifier", email, "password", "first pass 123"); r.Status != 303 || r.Location != "/user" {
			t.Fatalf("sign-in: %d %s", r.Status, r.Location)
		}
		// The same user through the Frontend API (clerk-js's calls).
		api := s.NewBrowser()
		e := api.Call("POST", "/v1/client/sign_ins", url.Values{"identifier": {email}, "password": {"first pass 123"}}).Env(t)
		otherSID, _ := e.Response["created_session_id"].(string)
		if otherSID == "" {
			t.Fatalf("FAPI sign-in of a page-made user: %v", e.Response)
		}
		// Change password, revoke the other session from the profile.
		if r := b.Post("/user/password", "current_password", "nope nope 1", "new_password", "second pass 456"); r.Status != 422 || !strings.Contains(r.Body, "current_password-error") {
			t.Fatalf("wrong current password: %d", r.Status)
		}
		if r := b.Follow(b.Post("/user/password", "current_password", "first pass 123", "new_password", "second pass 456")); !strings.Contains(r.Body, "Password changed") {
			t.Fatalf("change password: %.300s", r.Body)
		}
		p := b.Get("/user")
		if !strings.Contains(p.Body, `value="`+otherSID+`"`) {
			t.Fatalf("the other session is not listed: %.600s", p.Body)
		}
		if r := b.Follow(b.Post("/user/sessions/revoke", "session_id", otherSID)); !strings.Contains(r.Body, "signed out") {
			t.Fatalf("revoke: %.300s", r.Body)
		}
		if r := api.Call("POST", "/v1/client/sessions/"+otherSID+"/tokens", url.Values{"organization_id": {""}}); r.Status == 200 {
			t.Fatal("the revoked session still mints tokens")
		}
		// Reset the password from the sign-in page.
		b.Post("/sign-out")
		b.Get("/sign-in")
		c := b.Follow(b.Post("/sign-in", "identifier", email, "action", "reset"))
		sia := regexp.MustCompile(`name="sia" value="([^"]+)"`).FindStringSubmatch(c.Body)[1]
		np := b.Follow(b.Post("/sign-in/code", "sia", sia, "code", "424242"))
		if !strings.Contains(np.Body, `autocomplete="new-password"`) {
			t.Fatalf("new-password page: %.300s", np.Body)
		}
		if r := b.Post("/sign-in/new-password", "sia", sia, "password", "password"); r.Status != 422 || !strings.Contains(r.Body, "password-error") {
			t.Fatalf("common password on reset: %d", r.Status)
		}
		if r := b.Post("/sign-in/new-password", "sia", sia, "password", "third pass 789", "sign_out_of_other_sessions", "true"); r.Status != 303 {
			t.Fatalf("reset: %d %.300s", r.Status, r.Body)
		}
		// And the new password works through the Frontend API.
		e = s.NewBrowser().Call("POST", "/v1/client/sign_ins", url.Values{"identifier": {email}, "password": {"third pass 789"}}).Env(t)
		if e.Response["status"] != "complete" {
			t.Fatalf("FAPI sign-in after a page reset: %v", e.Response)
		}
	})
}

// redirect_url is honoured only for allowlisted origins; pages share the
// Frontend API's rate limits.
func TestPagesRedirectsAndLimits(t *testing.T) {
	s := apitest.StartConfig(t, apitest.SQLite, func(c *config.Config) { c.RateLimits = "on" })
	s.BAPI("PATCH", "/instance", map[string]any{"allowed_origins": []string{"https://app.example.com"}})
	s.BAPI("POST", "/users", map[string]any{"email_address": []string{"redir@example.com"}, "password": "redir password 1"})
	b := apitest.NewPageBrowser(t, s)
	b.Get("/sign-in?redirect_url=" + url.QueryEscape("https://app.example.com/dashboard"))
	r := b.Post("/sign-in", "identifier", "redir@example.com", "password", "redir password 1", "redirect_url", "https://app.example.com/dashboard")
	if r.Status != 303 || r.Location != "https://app.example.com/dashboard" {
		t.Fatalf("allowlisted redirect: %d %q", r.Status, r.Location)
	}
	if csp := apitest.NewPageBrowser(t, s).Get("/sign-in").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://app.example.com") {
		t.Fatalf("form-action must allow the redirect origin: %s", csp)
	}
	b2 := apitest.NewPageBrowser(t, s)
	b2.Get("/sign-in")
	r = b2.Post("/sign-in", "identifier", "redir@example.com", "password", "redir password 1", "redirect_url", "https://evil.example/")
	if r.Status != 303 || r.Location != "/user" {
		t.Fatalf("foreign redirect: %d %q", r.Status, r.Location)
	}
	// Three attempts per 10 s per address (the earlier two sign-ins used two).
	b3 := apitest.NewPageBrowser(t, s)
	b3.Get("/sign-in")
	var last apitest.PageResp
	for range 3 {
		last = b3.Post("/sign-in", "identifier", "redir@example.com", "password", "wrong password 1")
	}
	if last.Status != 429 || last.Header.Get("Retry-After") == "" || !strings.Contains(last.Body, "Too many attempts") {
		t.Fatalf("page rate limit: %d %q %.300s", last.Status, last.Header.Get("Retry-After"), last.Body)
	}
}

// The profile page manages addresses the same way.
func TestPagesEmailManagement(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	b := apitest.NewPageBrowser(t, s)
	b.Get("/sign-up")
	v := b.Follow(b.Post("/sign-up", "email_address", "pageowner+clerk_test@example.com", "password", "page owner 123"))
	sua := regexp.MustCompile(`name="sua" value="([^"]+)"`).FindStringSubmatch(v.Body)[1]
	b.Follow(b.Post("/sign-up/verify", "sua", sua, "code", "424242"))
	code := b.Follow(b.Post("/user/emails/add", "email_address", "pagesecond+clerk_test@example.com"))
	if !strings.Contains(code.Body, "pagesecond+clerk_test@example.com") {
		t.Fatalf("verify page: %.300s", code.Body)
	}
	id := regexp.MustCompile(`name="email_id" value="([^"]+)"`).FindStringSubmatch(code.Body)[1]
	if r := b.Post("/user/emails/verify", "email_id", id, "code", "000000"); r.Status != 422 || !strings.Contains(r.Body, "code-error") {
		t.Fatalf("wrong code: %d", r.Status)
	}
	if r := b.Follow(b.Post("/user/emails/verify", "email_id", id, "code", "424242")); !strings.Contains(r.Body, "Email address verified") {
		t.Fatalf("verify: %.300s", r.Body)
	}
	if r := b.Follow(b.Post("/user/emails/primary", "email_id", id)); !strings.Contains(r.Body, "Primary email address changed") {
		t.Fatalf("primary: %.300s", r.Body)
	}
	p := b.Get("/user")
	other := regexp.MustCompile(`action="/user/emails/remove" class="inline"><input type="hidden" name="csrf_token" value="[^"]+"><input type="hidden" name="email_id" value="([^"]+)"`).FindStringSubmatch(p.Body)
	if other == nil || other[1] == id {
		t.Fatalf("no remove button for the old primary: %.800s", p.Body)
	}
	if r := b.Follow(b.Post("/user/emails/remove", "email_id", other[1])); !strings.Contains(r.Body, "Email address removed") || strings.Contains(r.Body, "pageowner+clerk_test") {
		t.Fatalf("remove: %.500s", r.Body)
	}
}

// A hosted-page POST whose CSRF cookie was planted (a sibling subdomain or
// an http:// response can set cookies) with a matching form field is
// refused when the request carries neither Origin nor Sec-Fetch-Site: every
// current browser sends one of them on a POST, so only the double-submit
// pair would vouch for it. With either header naming this site, the same
// pair passes.
func TestPagesCSRFNeedsOriginOrFetchMetadata(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	s.BAPI("POST", "/users", map[string]any{"email_address": []string{"planted@example.com"}, "password": "planted pass 12"})
	const planted = "plantedplantedplantedplanted0123"
	post := func(header map[string]string) (int, string) {
		t.Helper()
		f := url.Values{"csrf_token": {planted}, "identifier": {"planted@example.com"}, "password": {"planted pass 12"}}
		req, _ := http.NewRequest("POST", s.URL+"/sign-in", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", "__gh_csrf="+planted)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if status, body := post(nil); status != http.StatusForbidden || !strings.Contains(body, "another site") {
		t.Fatalf("planted cookie + field, no Origin, no Sec-Fetch-Site: %d %.300s", status, body)
	}
	for _, h := range []map[string]string{{"Origin": s.URL}, {"Sec-Fetch-Site": "same-origin"}} {
		if status, body := post(h); status != http.StatusSeeOther {
			t.Fatalf("%v: %d %.300s", h, status, body)
		}
	}
	for _, h := range []map[string]string{{"Sec-Fetch-Site": "same-site"}, {"Origin": "null"}} {
		if status, _ := post(h); status != http.StatusForbidden {
			t.Fatalf("%v: %d", h, status)
		}
	}
}
