package fapi_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
)

// behindProxy turns the limits on and trusts the loopback proxy, so each
// test client is told apart by the X-Forwarded-For it sends.
func behindProxy(c *config.Config) {
	c.RateLimits = "on"
	c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
}

// browserAt is a Frontend API browser whose requests come from ip.
func browserAt(s *apitest.Server, ip string) *apitest.Browser {
	b := s.NewBrowser()
	b.Header = http.Header{"X-Forwarded-For": {ip}}
	return b
}

// pagesAt is a hosted-pages browser whose requests come from ip, holding a
// CSRF cookie.
func pagesAt(t *testing.T, s *apitest.Server, ip string) *apitest.PageBrowser {
	b := apitest.NewPageBrowser(t, s)
	b.Header = map[string]string{"X-Forwarded-For": ip}
	b.Get("/sign-in")
	return b
}

func signInAt(t *testing.T, s *apitest.Server, ip, email, pw string) *apitest.Browser {
	t.Helper()
	b := browserAt(s, ip)
	if e := b.Call("POST", "/v1/client/sign_ins", form("identifier", email, "password", pw)).Env(t); e.Response["status"] != "complete" {
		t.Fatalf("sign in %s: %v", email, e.Response)
	}
	return b
}

// A route that hashes or verifies a password: setup prepares a client at ip
// and returns how many more requests its rule lets through and a func that
// sends one (returning the status).
type hashRoute struct {
	name  string
	setup func(t *testing.T, s *apitest.Server, ip string) (allowed int, send func() int)
}

var hashRoutes = []hashRoute{
	{"POST /v1/client/sign_ins with a password", func(t *testing.T, s *apitest.Server, ip string) (int, func() int) {
		b := browserAt(s, ip)
		return 5, func() int {
			return b.Call("POST", "/v1/client/sign_ins", form("identifier", "nobody@example.com", "password", "wrong password 1")).Status
		}
	}},
	{"POST /v1/client/sign_ins/{id}/attempt_first_factor", func(t *testing.T, s *apitest.Server, ip string) (int, func() int) {
		b := browserAt(s, ip)
		id := b.Call("POST", "/v1/client/sign_ins", form("identifier", "nobody@example.com")).Env(t).Response["id"].(string)
		return 3, func() int {
			return b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", "wrong password 1")).Status
		}
	}},
	{"POST /v1/client/sign_ins/{id}/reset_password", func(t *testing.T, s *apitest.Server, ip string) (int, func() int) {
		b := browserAt(s, ip)
		id := b.Call("POST", "/v1/client/sign_ins", form("identifier", "nobody@example.com")).Env(t).Response["id"].(string)
		return 3, func() int {
			return b.Call("POST", "/v1/client/sign_ins/"+id+"/reset_password", form("password", "new password 12")).Status
		}
	}},
	{"POST /v1/client/sign_ups with a password", func(t *testing.T, s *apitest.Server, ip string) (int, func() int) {
		b, n := browserAt(s, ip), 0
		return 5, func() int {
			n++
			return b.Call("POST", "/v1/client/sign_ups", form("email_address", fmt.Sprintf("new%d-%s@example.com", n, ip), "password", "sign-up password 1")).Status
		}
	}},
	{"PATCH /v1/client/sign_ups/{id} with a password", func(t *testing.T, s *apitest.Server, ip string) (int, func() int) {
		b := browserAt(s, ip)
		id := b.Call("POST", "/v1/client/sign_ups", form("email_address", "patch-"+ip+"@example.com")).Env(t).Response["id"].(string)
		return 5, func() int {
			return b.Call("PATCH", "/v1/client/sign_ups/"+id, form("password", "sign-up password 1")).Status
		}
	}},
	{"POST /v1/me/change_password", func(t *testing.T, s *apitest.Server, ip string) (int, func() int) {
		email := "change-" + ip + "@example.com"
		s.BAPI("POST", "/users", map[string]any{"email_address": []string{email}, "password": "right password 1"})
		b := signInAt(t, s, ip, email, "right password 1")
		return 3, func() int {
			return b.Call("POST", "/v1/me/change_password", form("current_password", "wrong password 1", "new_password", "next password 12")).Status
		}
	}},
	{"page POST /sign-in with a password", func(t *testing.T, s *apitest.Server, ip string) (int, func() int) {
		b := pagesAt(t, s, ip)
		return 3, func() int {
			return b.Post("/sign-in", "identifier", "nobody@example.com", "password", "wrong password 1").Status
		}
	}},
	{"page POST /sign-in/new-password", func(t *testing.T, s *apitest.Server, ip string) (int, func() int) {
		email := "reset-" + ip + "+clerk_test@example.com" // development: code 424242, no mail
		s.BAPI("POST", "/users", map[string]any{"email_address": []string{email}, "password": "right password 1"})
		b := pagesAt(t, s, ip)
		r := b.Post("/sign-in", "identifier", email, "action", "reset")
		sia := strings.TrimPrefix(r.Location, "/sign-in/code?sia=")
		if r.Status != 303 || sia == r.Location {
			t.Fatalf("reset: %d %q", r.Status, r.Location)
		}
		if r := b.Post("/sign-in/code?sia="+sia, "code", "424242"); r.Status != 303 { // one sign-in attempt used
			t.Fatalf("reset code: %d %.300s", r.Status, r.Body)
		}
		return 2, func() int {
			return b.Post("/sign-in/new-password?sia="+sia, "password", "short").Status
		}
	}},
	{"page POST /sign-up", func(t *testing.T, s *apitest.Server, ip string) (int, func() int) {
		b, n := pagesAt(t, s, ip), 0
		return 5, func() int {
			n++
			return b.Post("/sign-up", "email_address", fmt.Sprintf("page%d-%s@example.com", n, ip), "password", "sign-up password 1").Status
		}
	}},
	{"page POST /user/password", func(t *testing.T, s *apitest.Server, ip string) (int, func() int) {
		email := "page-change-" + ip + "@example.com"
		s.BAPI("POST", "/users", map[string]any{"email_address": []string{email}, "password": "right password 1"})
		b := pagesAt(t, s, ip)
		if r := b.Post("/sign-in", "identifier", email, "password", "right password 1"); r.Status != 303 {
			t.Fatalf("page sign-in: %d", r.Status)
		}
		return 3, func() int {
			return b.Post("/user/password", "current_password", "wrong password 1", "new_password", "next password 12").Status
		}
	}},
}

// Every route that hashes or verifies a password is rate limited: after
// its allowance the next request is answered 429 (and hashes nothing).
func TestEveryPasswordHashingRouteIsLimited(t *testing.T) {
	s := apitest.StartConfig(t, apitest.SQLite, behindProxy)
	for i, rt := range hashRoutes {
		t.Run(rt.name, func(t *testing.T) {
			ip := "203.0.113." + strconv.Itoa(10+i) // a client of its own
			allowed, send := rt.setup(t, s, ip)
			for n := 1; n <= allowed; n++ {
				if st := send(); st == http.StatusTooManyRequests || st >= 500 {
					t.Fatalf("request %d of %d allowed: %d", n, allowed, st)
				}
			}
			if st := send(); st != http.StatusTooManyRequests {
				t.Fatalf("request %d: %d, want 429", allowed+1, st)
			}
		})
	}
	// The Backend API's password routes share one allowance per secret key.
	for _, c := range []struct {
		name string
		send func(s *apitest.Server, id string) *apitest.Response
	}{
		{"BAPI POST /users with a password", func(s *apitest.Server, _ string) *apitest.Response {
			return s.BAPI("POST", "/users", map[string]any{"email_address": []string{"x@example.com"}, "password": "short"})
		}},
		{"BAPI PATCH /users/{id} with a password", func(s *apitest.Server, id string) *apitest.Response {
			return s.BAPI("PATCH", "/users/"+id, map[string]any{"password": "short"})
		}},
		{"BAPI POST /users/{id}/verify_password", func(s *apitest.Server, id string) *apitest.Response {
			return s.BAPI("POST", "/users/"+id+"/verify_password", map[string]any{"password": "wrong"})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := apitest.StartConfig(t, apitest.SQLite, behindProxy)
			id := s.BAPI("POST", "/users", map[string]any{"email_address": []string{"bapi@example.com"}}).Map(t)["id"].(string)
			// Cheap requests (a too-short password, a user without one)
			// count as much as expensive ones.
			for n := 1; n <= 100; n++ {
				if r := c.send(s, id); r.Status == http.StatusTooManyRequests || r.Status >= 500 {
					t.Fatalf("request %d of 100: %d %s", n, r.Status, r.Body)
				}
			}
			r := c.send(s, id)
			if r.Status != http.StatusTooManyRequests || r.ErrorCode() != "too_many_requests" || r.Header.Get("Retry-After") == "" {
				t.Fatalf("request 101: %d %s", r.Status, r.Body)
			}
			if r := s.BAPI("PATCH", "/users/"+id, map[string]any{"first_name": "Still"}); r.Status != 200 {
				t.Fatalf("a write without a password is not limited by it: %d %s", r.Status, r.Body)
			}
		})
	}
}

// A wrong current password on change_password is a password guess: the
// route is limited like sign-in attempts, wrong answers count toward the
// account's lockout (the tenth locks it), and a locked account can neither
// change its password nor sign in. The hosted profile page alike.
func TestChangePasswordGuessesLockTheAccount(t *testing.T) {
	for _, e := range []apitest.Engine{apitest.SQLite, apitest.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			s := apitest.StartConfig(t, e, behindProxy)
			s.BAPI("POST", "/users", map[string]any{"email_address": []string{"guess@example.com"}, "password": "right password 1"})
			s.BAPI("POST", "/users", map[string]any{"email_address": []string{"guess-page@example.com"}, "password": "right password 1"})
			b := signInAt(t, s, "198.51.100.1", "guess@example.com", "right password 1")
			change := func(ip, cur string) *apitest.Response {
				b.Header.Set("X-Forwarded-For", ip)
				return b.Call("POST", "/v1/me/change_password", form("current_password", cur, "new_password", "next password 12"))
			}
			// Three per 10 s per client; the refused fourth is no guess.
			for i := 1; i <= 3; i++ {
				if r := change("198.51.100.2", "wrong password 1"); r.ErrorCode() != "form_password_incorrect" {
					t.Fatalf("guess %d: %d %s", i, r.Status, r.Body)
				}
			}
			want429(t, change("198.51.100.2", "wrong password 1"), "4th change_password from one client in 10 s")
			// Guesses 4 to 10 from other clients: the tenth locks.
			for i := 4; i <= 10; i++ {
				r := change("198.51.100."+strconv.Itoa(10+i), "wrong password 1")
				want := "form_password_incorrect"
				if i == 10 {
					want = "user_locked"
				}
				if r.ErrorCode() != want {
					t.Fatalf("guess %d: %d %s, want %s", i, r.Status, r.Body, want)
				}
			}
			if r := change("198.51.100.40", "right password 1"); r.Status != 403 || r.ErrorCode() != "user_locked" {
				t.Fatalf("right current password while locked: %d %s", r.Status, r.Body)
			}
			lockedSignIn(t, s, "198.51.100.41", "guess@example.com")

			// The profile page's form counts the same way.
			p := pagesAt(t, s, "198.51.100.60")
			if r := p.Post("/sign-in", "identifier", "guess-page@example.com", "password", "right password 1"); r.Status != 303 {
				t.Fatalf("page sign-in: %d", r.Status)
			}
			for i := 1; i <= 10; i++ {
				p.Header["X-Forwarded-For"] = "198.51.100." + strconv.Itoa(60+i)
				r := p.Post("/user/password", "current_password", "wrong password 1", "new_password", "next password 12")
				want := 422
				if i == 10 {
					want = 403
				}
				if r.Status != want {
					t.Fatalf("page guess %d: %d, want %d: %.300s", i, r.Status, want, r.Body)
				}
			}
			if r := p.Post("/user/password", "current_password", "right password 1", "new_password", "next password 12"); r.Status != 403 {
				t.Fatalf("page change while locked: %d", r.Status)
			}
			lockedSignIn(t, s, "198.51.100.90", "guess-page@example.com")
		})
	}
}

func lockedSignIn(t *testing.T, s *apitest.Server, ip, email string) {
	t.Helper()
	r := browserAt(s, ip).Call("POST", "/v1/client/sign_ins", form("identifier", email, "password", "right password 1"))
	if r.Status != 403 || r.ErrorCode() != "user_locked" {
		t.Fatalf("sign-in to the locked account %s: %d %s", email, r.Status, r.Body)
	}
}

// wantMail429 is want429 for the code-mail limits, whose windows are a
// minute and an hour.
func wantMail429(t *testing.T, r *apitest.Response, what string) {
	t.Helper()
	ra, _ := strconv.Atoi(r.Header.Get("Retry-After"))
	if r.Status != 429 || r.ErrorCode() != "too_many_requests" || ra < 1 || ra > 2*3600 || r.Header.Get("Access-Control-Allow-Origin") == "" {
		t.Fatalf("%s: want a readable 429 too_many_requests with Retry-After, got %d %q %s", what, r.Status, r.Header.Get("Retry-After"), r.Body)
	}
}

// Code e-mails are limited per recipient, whoever asks and however: three
// a minute, then 429 too_many_requests and no more mail. An address with
// no account gets exactly the same answers (and no mail at all).
func TestCodeMailsLimitedPerAddress(t *testing.T) {
	s := apitest.StartConfig(t, apitest.SQLite, behindProxy)
	s.BAPI("POST", "/users", map[string]any{"email_address": []string{"real@example.com"}, "password": "right password 1"})

	// Sign-in codes, prepare_first_factor: a real account and a phantom.
	answers := map[string]string{}
	for n, email := range []string{"real@example.com", "phantom@example.com"} {
		ip := func(i int) string { return "192.0.2." + strconv.Itoa(10*n+i) }
		before := s.Mail.Count()
		b := browserAt(s, ip(1))
		id := b.Call("POST", "/v1/client/sign_ins", form("identifier", email)).Env(t).Response["id"].(string)
		var got []string
		for i := 1; i <= 4; i++ {
			r := b.Call("POST", "/v1/client/sign_ins/"+id+"/prepare_first_factor", form("strategy", "email_code"))
			got = append(got, fmt.Sprint(r.Status, " ", r.ErrorCode(), " ", r.Header.Get("Retry-After") != ""))
		}
		// Another client, another route to the same address: still limited.
		b2 := browserAt(s, ip(2))
		r := b2.Call("POST", "/v1/client/sign_ins", form("identifier", email, "strategy", "reset_password_email_code"))
		got = append(got, fmt.Sprint(r.Status, " ", r.ErrorCode()))
		p := pagesAt(t, s, ip(3))
		got = append(got, fmt.Sprint("page code ", p.Post("/sign-in", "identifier", email, "action", "code").Status))
		got = append(got, fmt.Sprint("page reset ", p.Post("/sign-in", "identifier", email, "action", "reset").Status))
		answers[email] = strings.Join(got, "; ")
		want := 3
		if email == "phantom@example.com" {
			want = 0
		}
		if sent := s.Mail.Count() - before; sent != want {
			t.Fatalf("%s: %d mails sent, want %d", email, sent, want)
		}
	}
	if want := "200  false; 200  false; 200  false; 429 too_many_requests true; 429 too_many_requests; page code 429; page reset 429"; answers["real@example.com"] != want {
		t.Fatalf("real account: %s\nwant %s", answers["real@example.com"], want)
	}
	if answers["phantom@example.com"] != answers["real@example.com"] {
		t.Fatalf("an unknown address is answered differently:\n real    %s\n phantom %s", answers["real@example.com"], answers["phantom@example.com"])
	}

	// Sign-up verification codes to an address that has no account.
	before := s.Mail.Count()
	b := browserAt(s, "192.0.2.101")
	id := b.Call("POST", "/v1/client/sign_ups", form("email_address", "stranger@example.com")).Env(t).Response["id"].(string)
	for i := 1; i <= 3; i++ {
		if r := b.Call("POST", "/v1/client/sign_ups/"+id+"/prepare_verification", form("strategy", "email_code")); r.Status != 200 {
			t.Fatalf("sign-up prepare %d: %d %s", i, r.Status, r.Body)
		}
	}
	wantMail429(t, b.Call("POST", "/v1/client/sign_ups/"+id+"/prepare_verification", form("strategy", "email_code")), "4th sign-up code to one address")
	p := pagesAt(t, s, "192.0.2.102")
	if r := p.Post("/sign-up", "email_address", "Stranger@Example.com", "password", "sign-up password 1"); r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("page sign-up to the limited address (other spelling, other client): %d %q", r.Status, r.Header.Get("Retry-After"))
	}
	if sent := s.Mail.Count() - before; sent != 3 {
		t.Fatalf("%d sign-up code mails to one address, want 3", sent)
	}

	// Adding an address to one's account: /v1/me and the profile page.
	before = s.Mail.Count()
	s.BAPI("POST", "/users", map[string]any{"email_address": []string{"adder@example.com"}, "password": "right password 1"})
	b = signInAt(t, s, "192.0.2.111", "adder@example.com", "right password 1")
	eid := b.Call("POST", "/v1/me/email_addresses", form("email_address", "added@example.com")).Env(t).Response["id"].(string)
	for i := 1; i <= 3; i++ {
		if r := b.Call("POST", "/v1/me/email_addresses/"+eid+"/prepare_verification", form("strategy", "email_code")); r.Status != 200 {
			t.Fatalf("me prepare %d: %d %s", i, r.Status, r.Body)
		}
	}
	wantMail429(t, b.Call("POST", "/v1/me/email_addresses/"+eid+"/prepare_verification", form("strategy", "email_code")), "4th code to an added address")
	p = pagesAt(t, s, "192.0.2.112")
	if r := p.Post("/sign-in", "identifier", "adder@example.com", "password", "right password 1"); r.Status != 303 {
		t.Fatalf("page sign-in: %d", r.Status)
	}
	if r := p.Post("/user/emails/resend?email_id="+eid, "email_id", eid); r.Status != 429 {
		t.Fatalf("page resend to the limited address: %d %.300s", r.Status, r.Body)
	}
	if sent := s.Mail.Count() - before; sent != 3 {
		t.Fatalf("%d code mails to an added address, want 3", sent)
	}
}

// With Redis, the per-address mail count is shared by every node.
func TestCodeMailLimitAcrossTwoNodes(t *testing.T) {
	ru := redisURL(t)
	a := apitest.StartConfig(t, apitest.SQLite, func(c *config.Config) { behindProxy(c); c.RedisURL = ru })
	prefix := "gatehouse:test:" + t.Name() + ":" + a.App.Instance.ID() + ":"
	a.App.Limits.Limiter().(*ratelimit.Redis).Prefix = prefix
	b := apitest.StartConfig(t, apitest.SQLite, func(c *config.Config) {
		behindProxy(c)
		c.RedisURL, c.DataDir, c.DatabaseURL = ru, a.App.Config.DataDir, a.App.Config.DatabaseURL
	})
	b.App.Limits.Limiter().(*ratelimit.Redis).Prefix = prefix
	a.BAPI("POST", "/users", map[string]any{"email_address": []string{"shared@example.com"}, "password": "right password 1"})
	for i, n := range []*apitest.Server{a, b, a, b} {
		br := browserAt(n, "192.0.2."+strconv.Itoa(200+i))
		r := br.Call("POST", "/v1/client/sign_ins", form("identifier", "shared@example.com", "strategy", "email_code"))
		if i < 3 && r.Status != 200 {
			t.Fatalf("code %d: %d %s", i+1, r.Status, r.Body)
		}
		if i == 3 {
			wantMail429(t, r, "4th code, other node, other client")
		}
	}
	if sent := a.Mail.Count() + b.Mail.Count(); sent != 3 {
		t.Fatalf("%d mails over two nodes, want 3", sent)
	}
}
