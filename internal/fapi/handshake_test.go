package fapi_test

import (
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/fapi"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/keys"
)

// signUp makes a user through the FAPI with a +clerk_test address (code
// 424242 in development mode) and returns the session id.
func signUp(t *testing.T, s *apitest.Server, b *apitest.Browser, email string) string {
	t.Helper()
	su := b.Call("POST", "/v1/client/sign_ups", form("email_address", email, "password", "handshake pass 1")).Env(t).Response
	id := su["id"].(string)
	b.Call("POST", "/v1/client/sign_ups/"+id+"/prepare_verification", form("strategy", "email_code")).Env(t)
	if _, sent := s.Mail.Last(email); sent {
		t.Fatal("+clerk_test addresses must not receive mail in development")
	}
	e := b.Call("POST", "/v1/client/sign_ups/"+id+"/attempt_verification", form("strategy", "email_code", "code", "424242")).Env(t)
	return e.Response["created_session_id"].(string)
}

func TestHandshake(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		const app = "http://app.example.test:3000"
		if r := s.BAPI("PATCH", "/instance", map[string]any{"allowed_origins": []string{app}}); r.Status != 200 {
			t.Fatalf("set allowed origins: %d %s", r.Status, r.Body)
		}
		b := s.NewBrowser()
		sid := signUp(t, s, b, "hs+clerk_test@example.com")

		// Not allow-listed: refused, no redirect.
		for _, bad := range []string{"http://evil.test/x", "http://app.example.test:3000.evil.test/", "javascript:alert(1)", "//evil.test", "http://user@app.example.test:3000/"} {
			if r := b.Call("GET", "/v1/client/handshake?format=nonce&redirect_url="+url.QueryEscape(bad), nil); r.Status != 400 {
				t.Fatalf("redirect to %q: %d %s", bad, r.Status, r.Body)
			}
		}
		r := b.Call("GET", "/v1/client/handshake?format=nonce&redirect_url="+url.QueryEscape(app+"/dashboard?x=1&__clerk_hs_reason=a"), nil)
		if r.Status != 307 {
			t.Fatalf("handshake: %d %s", r.Status, r.Body)
		}
		loc, _ := url.Parse(r.Header.Get("Location"))
		nonce := loc.Query().Get("__clerk_handshake_nonce")
		if loc.Host != "app.example.test:3000" || loc.Path != "/dashboard" || loc.Query().Get("x") != "1" || nonce == "" || loc.Query().Has("__clerk_hs_reason") {
			t.Fatalf("redirect: %s", loc)
		}
		p := s.BAPI("GET", "/clients/handshake_payload?nonce="+url.QueryEscape(nonce), nil)
		var payload struct{ Directives []string }
		p.JSON(t, &payload)
		// Plain and suffixed __session and __client_uat, and (development)
		// __clerk_db_jwt.
		sfx := "_" + keys.CookieSuffix(s.App.Instance.PublishableKey())
		if p.Status != 200 || len(payload.Directives) != 6 || !strings.HasPrefix(payload.Directives[0], "__session=ey") ||
			!strings.HasPrefix(payload.Directives[1], "__session"+sfx+"=ey") ||
			!strings.HasPrefix(payload.Directives[2], "__client_uat=") || strings.HasPrefix(payload.Directives[2], "__client_uat=0") ||
			!strings.HasPrefix(payload.Directives[3], "__client_uat"+sfx+"=") || !strings.HasPrefix(payload.Directives[4], "__clerk_db_jwt=dvb_") {
			t.Fatalf("payload: %d %s", p.Status, p.Body)
		}
		jwt := strings.SplitN(strings.TrimPrefix(payload.Directives[0], "__session="), ";", 2)[0]
		if c := claims(t, s, jwt); c["sid"] != sid || c["azp"] != app {
			t.Fatalf("handshake token claims: %v", c)
		}
		// The nonce can be redeemed again while it lives (an app router may
		// replay the URL that carried it): the same directives come back.
		if p2 := s.BAPI("GET", "/clients/handshake_payload?nonce="+url.QueryEscape(nonce), nil); p2.Status != 200 || string(p2.Body) != string(p.Body) {
			t.Fatalf("second redemption: %d %s", p2.Status, p2.Body)
		}
		if p := s.BAPI("GET", "/clients/handshake_payload?nonce="+url.QueryEscape(nonce+"x"), nil); p.Status != 404 {
			t.Fatalf("unknown nonce: %d %s", p.Status, p.Body)
		}

		// A signed-out browser gets clearing directives.
		anon := s.NewBrowser()
		r = anon.Call("GET", "/v1/client/handshake?redirect_url="+url.QueryEscape(app+"/"), nil)
		loc, _ = url.Parse(r.Header.Get("Location"))
		s.BAPI("GET", "/clients/handshake_payload?nonce="+url.QueryEscape(loc.Query().Get("__clerk_handshake_nonce")), nil).JSON(t, &payload)
		if len(payload.Directives) != 6 || !strings.Contains(payload.Directives[0], "Max-Age=0") || !strings.HasPrefix(payload.Directives[2], "__client_uat=0") {
			t.Fatalf("signed-out directives: %v", payload.Directives)
		}

		// BAPI sees the session, mints for it, and revocation stops the browser.
		var list []map[string]any
		userID := claims(t, s, jwt)["sub"].(string)
		s.BAPI("GET", "/sessions?user_id="+userID, nil).JSON(t, &list)
		if len(list) != 1 || list[0]["id"] != sid || list[0]["status"] != "active" || list[0]["object"] != "session" {
			t.Fatalf("sessions: %v", list)
		}
		tk := s.BAPI("POST", "/sessions/"+sid+"/tokens", map[string]any{"expires_in_seconds": 120}).Map(t)
		if c := claims(t, s, tk["jwt"].(string)); c["exp"].(float64)-c["iat"].(float64) != 120 {
			t.Fatalf("BAPI token lifetime: %v", c)
		}
		if r := s.BAPI("POST", "/sessions/"+sid+"/revoke", nil); r.Map(t)["status"] != "revoked" {
			t.Fatalf("revoke: %s", r.Body)
		}
		if r, _ := token(t, b, sid); r.Status != 401 {
			t.Fatalf("token after revoke: %d %s", r.Status, r.Body)
		}
	})
}

// Fifty parallel attempts on one code: exactly one succeeds.
func TestParallelCodeRedemption(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		s.BAPI("POST", "/users", map[string]any{"email_address": []string{"race@example.com"}, "password": "race password 1"})
		b := s.NewBrowser()
		si := b.Call("POST", "/v1/client/sign_ins", form("identifier", "race@example.com")).Env(t).Response
		id := si["id"].(string)
		b.Call("POST", "/v1/client/sign_ins/"+id+"/prepare_first_factor", form("strategy", "email_code")).Env(t)
		c := code(t, s, "race@example.com")
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "email_code", "code", c))
				if r.Status == 200 {
					mu.Lock()
					ok++
					mu.Unlock()
				} else if r.Status >= 500 {
					t.Errorf("server error: %d %s", r.Status, r.Body)
				}
			}()
		}
		wg.Wait()
		if ok != 1 {
			t.Fatalf("%d successes, want exactly 1", ok)
		}
	})
}

func TestLockoutAfterTenFailures(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	s.BAPI("POST", "/users", map[string]any{"email_address": []string{"lock@example.com"}, "password": "right password 1"})
	b := s.NewBrowser()
	id := b.Call("POST", "/v1/client/sign_ins", form("identifier", "lock@example.com")).Env(t).Response["id"].(string)
	for i := 1; i <= 10; i++ {
		r := b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", "wrong"))
		want := "form_password_incorrect"
		if i == 10 {
			want = "user_locked"
		}
		if r.ErrorCode() != want {
			t.Fatalf("attempt %d: %d %s", i, r.Status, r.Body)
		}
	}
	r := b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", "right password 1"))
	if r.Status != 403 || r.ErrorCode() != "user_locked" {
		t.Fatalf("right password while locked: %d %s", r.Status, r.Body)
	}
	var users []map[string]any
	s.BAPI("GET", "/users?email_address=lock@example.com", nil).JSON(t, &users)
	if users[0]["locked"] != true {
		t.Fatalf("user not locked: %v", users[0])
	}
	s.BAPI("POST", "/users/"+users[0]["id"].(string)+"/unlock", nil)
	if e := b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", "right password 1")).Env(t); e.Response["status"] != "complete" {
		t.Fatalf("after unlock: %v", e.Response)
	}
}

func TestFAPIBadInputNever500(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	b := s.NewBrowser()
	cases := []struct {
		method, path string
		form         map[string]string
		status       int
		code         string
	}{
		{"POST", "/v1/client/sign_ups", map[string]string{"email_address": "not-an-email"}, 422, "form_param_format_invalid"},
		{"POST", "/v1/client/sign_ups", map[string]string{"email_address": "a@b.test", "password": "short"}, 422, "form_password_length_too_short"},
		{"POST", "/v1/client/sign_ups", map[string]string{"unsafe_metadata": "[1,2"}, 422, "form_param_format_invalid"},
		{"GET", "/v1/client/sign_ins/sia_nope", nil, 404, "resource_not_found"},
		{"POST", "/v1/client/sign_ins/sia_nope/attempt_first_factor", map[string]string{"strategy": "password"}, 404, "resource_not_found"},
		{"POST", "/v1/client/sessions/sess_nope/tokens", nil, 404, "resource_not_found"},
		{"GET", "/v1/me", nil, 401, "signed_out"},
		{"GET", "/v1/client/handshake", nil, 400, "redirect_url_invalid"},
		{"GET", "/v1/nope", nil, 404, "resource_not_found"},
	}
	for _, c := range cases {
		f := url.Values{}
		for k, v := range c.form {
			f.Set(k, v)
		}
		r := b.Call(c.method, c.path, f)
		if r.Status != c.status || r.ErrorCode() != c.code {
			t.Errorf("%s %s: got %d %q want %d %q: %s", c.method, c.path, r.Status, r.ErrorCode(), c.status, c.code, r.Body)
		}
	}
	// Cross-origin mutation from an origin that is not allowed: refused.
	evil := s.NewBrowser()
	evil.Origin = "http://evil.test"
	if r := evil.Call("POST", "/v1/client/sign_ins", form("identifier", "x@y.test")); r.Status != 403 || r.ErrorCode() != "origin_invalid" {
		t.Fatalf("cross-origin: %d %s", r.Status, r.Body)
	}
}

func FuzzParseBody(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "identifier=a%40b.c&password=x")
	f.Add("application/json", `{"identifier":"a@b.c","unsafe_metadata":{"a":[1]}}`)
	f.Add("application/json", `[`)
	f.Add("application/x-www-form-urlencoded", "first_name=a%00b")
	f.Add("application/x-www-form-urlencoded", "first_name=%ff")
	f.Add("application/json", `{"first_name":"a\u0000"}`)
	f.Add("application/json", `{"first_name":"\ud800x"}`)
	f.Add("application/json", "{\"first_name\":\"\xff\"}")
	f.Fuzz(func(t *testing.T, ct, body string) {
		v, err := fapi.ParseBody(ct, []byte(body))
		if err == nil && v == nil {
			t.Fatal("nil values without error")
		}
		// Whatever is accepted is valid text: no NUL, valid UTF-8, and no
		// U+FFFD the input did not spell out (a replaced invalid sequence).
		for k, vals := range v {
			for _, s := range append([]string{k}, vals...) {
				if !gatehouse.ValidText(s) {
					t.Fatalf("accepted %q from %q", s, body)
				}
				lb := strings.ToLower(body)
				spelled := strings.ContainsRune(body, utf8.RuneError) || strings.Contains(lb, `\ufffd`) || strings.Contains(lb, "%ef%bf%bd")
				if strings.ContainsRune(s, utf8.RuneError) && !spelled {
					t.Fatalf("invalid input became U+FFFD in %q from %q", s, body)
				}
			}
		}
	})
}

// A handshake nonce is redeemable while it lives (session.HandshakeNonceLifetime)
// and not after: replays of the app URL that carried it keep working for an
// hour, then the nonce is gone.
func TestHandshakeNonceLifetime(t *testing.T) {
	for _, e := range []apitest.Engine{apitest.SQLite, apitest.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			clock := gatehouse.NewFakeClock(time.Now())
			s := apitest.StartConfig(t, e, func(c *config.Config) { c.Clock = clock })
			const app = "http://app.example.test:3000"
			s.BAPI("PATCH", "/instance", map[string]any{"allowed_origins": []string{app}})
			r := s.NewBrowser().Call("GET", "/v1/client/handshake?redirect_url="+url.QueryEscape(app+"/"), nil)
			loc, _ := url.Parse(r.Header.Get("Location"))
			nonce := url.QueryEscape(loc.Query().Get("__clerk_handshake_nonce"))
			for _, step := range []time.Duration{0, 59 * time.Minute} {
				clock.Advance(step)
				if p := s.BAPI("GET", "/clients/handshake_payload?nonce="+nonce, nil); p.Status != 200 {
					t.Fatalf("after %v: %d %s", step, p.Status, p.Body)
				}
			}
			clock.Advance(time.Minute + time.Second)
			if p := s.BAPI("GET", "/clients/handshake_payload?nonce="+nonce, nil); p.Status != 404 {
				t.Fatalf("expired nonce: %d %s", p.Status, p.Body)
			}
		})
	}
}
