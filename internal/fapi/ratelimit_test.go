package fapi_test

import (
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
)

func limited(mut func(*config.Config)) func(*config.Config) {
	return func(c *config.Config) {
		c.RateLimits = "on"
		if mut != nil {
			mut(c)
		}
	}
}

// postSignIn creates a sign-in as a browser at the given X-Forwarded-For.
func postSignIn(s *apitest.Server, xff string) *apitest.Response {
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": s.URL}
	if xff != "" {
		h["X-Forwarded-For"] = xff
	}
	return s.Do("POST", "/v1/client/sign_ins", "identifier=rl%40example.com", h)
}

func want429(t *testing.T, r *apitest.Response, what string) {
	t.Helper()
	ra, _ := strconv.Atoi(r.Header.Get("Retry-After"))
	if r.Status != 429 || r.ErrorCode() != "too_many_requests" || ra < 1 || ra > 20 {
		t.Fatalf("%s: want 429 too_many_requests with Retry-After, got %d %q %s", what, r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	if r.Header.Get("Access-Control-Allow-Origin") == "" {
		t.Fatalf("%s: the 429 carries no CORS headers, so a browser cannot read it", what)
	}
}

// Clerk's published Frontend API limits, per client IP.
func TestRateLimitsFrontend(t *testing.T) {
	s := apitest.StartConfig(t, apitest.SQLite, limited(nil))
	s.BAPI("POST", "/users", map[string]any{"email_address": []string{"rl@example.com"}, "password": "right password 1"})
	for i := 1; i <= 5; i++ {
		if r := postSignIn(s, ""); r.Status != 200 {
			t.Fatalf("sign-in creation %d: %d %s", i, r.Status, r.Body)
		}
	}
	want429(t, postSignIn(s, ""), "6th sign-in creation in 10 s")
	// Without a trusted proxy, X-Forwarded-For is the client's own claim.
	want429(t, postSignIn(s, "198.51.100.9"), "spoofed X-Forwarded-For")

	// Factor attempts: 3 per 10 s (a separate rule and counter).
	s2 := apitest.StartConfig(t, apitest.SQLite, limited(nil))
	s2.BAPI("POST", "/users", map[string]any{"email_address": []string{"rl@example.com"}, "password": "right password 1"})
	b := s2.NewBrowser()
	id := b.Call("POST", "/v1/client/sign_ins", form("identifier", "rl@example.com")).Env(t).Response["id"].(string)
	for i := 1; i <= 3; i++ {
		if r := b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", "wrong")); r.ErrorCode() != "form_password_incorrect" {
			t.Fatalf("attempt %d: %d %s", i, r.Status, r.Body)
		}
	}
	want429(t, b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", "right password 1")), "4th attempt")
	// Other routes stay open.
	if r := b.Call("GET", "/v1/client", nil); r.Status != 200 {
		t.Fatalf("GET /v1/client while limited: %d", r.Status)
	}
}

// Behind a trusted proxy each client gets its own counter; entries a client
// prepends to X-Forwarded-For do not.
func TestRateLimitsTrustedProxy(t *testing.T) {
	s := apitest.StartConfig(t, apitest.SQLite, limited(func(c *config.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	}))
	s.BAPI("POST", "/users", map[string]any{"email_address": []string{"rl@example.com"}, "password": "right password 1"})
	for i := 1; i <= 5; i++ {
		if r := postSignIn(s, "203.0.113.7"); r.Status != 200 {
			t.Fatalf("client A %d: %d", i, r.Status)
		}
	}
	want429(t, postSignIn(s, "203.0.113.7"), "client A, 6th")
	want429(t, postSignIn(s, "192.0.2.66, 203.0.113.7"), "client A with a forged left-most entry")
	if r := postSignIn(s, "203.0.113.8"); r.Status != 200 {
		t.Fatalf("client B shares client A's counter: %d %s", r.Status, r.Body)
	}
	// IPv6 clients are counted per /64.
	for i := range 5 {
		postSignIn(s, "2001:db8:1:2::"+strconv.Itoa(i+1))
	}
	want429(t, postSignIn(s, "2001:db8:1:2::ffff"), "another address in the same IPv6 /64")
}

// The Backend API: 1000 requests per 10 s per secret key.
func TestRateLimitsBackendAPI(t *testing.T) {
	// The limiter's clock stands still mid-window, so the count is exact
	// whatever the machine's load: on the wall clock a burst that straddles
	// a window boundary may be admitted a little over the limit (the sliding
	// estimate; ratelimit.TestMemoryLimitRetryAfterAndKeys covers that).
	frozen := time.Unix(1_900_000_005, 0)
	s := apitest.StartConfig(t, apitest.SQLite, limited(func(c *config.Config) {
		c.Limiter = &ratelimit.Memory{Now: func() time.Time { return frozen }}
	}))
	var ok, limitedN atomic.Int64
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 130 + w%2 { // 1044 requests in all
				switch r := s.BAPI("GET", "/users?limit=1", nil); r.Status {
				case 200:
					ok.Add(1)
				case 429:
					limitedN.Add(1)
				default:
					t.Errorf("status %d %s", r.Status, r.Body)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1000 || limitedN.Load() != 44 {
		t.Fatalf("%d allowed, %d limited; want exactly 1000 of 1044", ok.Load(), limitedN.Load())
	}
}

func redisURL(t *testing.T) string {
	u := os.Getenv("GATEHOUSE_TEST_REDIS_URL")
	if u == "" {
		t.Skip("GATEHOUSE_TEST_REDIS_URL not set (e.g. redis://127.0.0.1:6379/0): skipping the shared rate-limit tests")
	}
	return u
}

// Two nodes on one database and one Redis: rate limits and the account
// lockout count across both.
func TestLimitsAndLockoutAcrossTwoNodes(t *testing.T) {
	engines := []apitest.Engine{apitest.SQLite, apitest.Postgres}
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) {
			ru := redisURL(t)
			// A fresh Redis namespace: other runs' counters must not leak in.
			trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
			a := apitest.StartConfig(t, e, limited(func(c *config.Config) { c.RedisURL, c.TrustedProxies = ru, trusted }))
			a.App.Limits.Limiter().(*ratelimit.Redis).Prefix = "gatehouse:test:" + t.Name() + ":" + a.App.Instance.ID() + ":"
			b := apitest.StartConfig(t, e, limited(func(c *config.Config) {
				c.RedisURL, c.TrustedProxies = ru, trusted
				c.DataDir, c.DatabaseURL = a.App.Config.DataDir, a.App.Config.DatabaseURL
			}))
			b.App.Limits.Limiter().(*ratelimit.Redis).Prefix = a.App.Limits.Limiter().(*ratelimit.Redis).Prefix
			b.SecretKey = a.SecretKey
			if b.App.Instance.ID() != a.App.Instance.ID() {
				t.Fatal("the second node did not join the first node's instance")
			}
			a.BAPI("POST", "/users", map[string]any{"email_address": []string{"rl@example.com"}, "password": "right password 1"})
			for i, n := range []*apitest.Server{a, b, a, b, a} {
				if r := postSignIn(n, ""); r.Status != 200 {
					t.Fatalf("creation %d: %d %s", i+1, r.Status, r.Body)
				}
			}
			want429(t, postSignIn(b, ""), "6th creation, on the other node")

			lockoutAcross(t, a, b)
		})
	}
}

// lockoutAcross makes ten wrong-password attempts on one sign-in, alternating
// nodes and client addresses (a distributed guesser: the per-IP limit never
// trips), and checks that the account locks exactly at the tenth.
func lockoutAcross(t *testing.T, a, b *apitest.Server) {
	t.Helper()
	br := a.NewBrowser()
	br.Header = http.Header{"X-Forwarded-For": {"198.51.100.1"}}
	id := br.Call("POST", "/v1/client/sign_ins", form("identifier", "rl@example.com")).Env(t).Response["id"].(string)
	for i := 1; i <= 10; i++ {
		br.Base = []string{a.URL, b.URL}[i%2]
		br.Origin = br.Base
		br.Header.Set("X-Forwarded-For", "198.51.100."+strconv.Itoa(10+i))
		r := br.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", "wrong"))
		want := "form_password_incorrect"
		if i == 10 {
			want = "user_locked"
		}
		if r.ErrorCode() != want {
			t.Fatalf("attempt %d on node %d: %d %s", i, i%2, r.Status, r.Body)
		}
	}
	br.Base, br.Origin = b.URL, b.URL
	br.Header.Set("X-Forwarded-For", "198.51.100.99")
	if r := br.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", "right password 1")); r.Status != 403 || r.ErrorCode() != "user_locked" {
		t.Fatalf("right password on the other node while locked: %d %s", r.Status, r.Body)
	}
}

// When the shared limiter cannot answer, limited routes refuse with 503:
// no sign-in proceeds unchecked, no token or session is issued.
func TestRateLimiterDownFailsClosed(t *testing.T) {
	ru := redisURL(t)
	s := apitest.StartConfig(t, apitest.SQLite, limited(func(c *config.Config) { c.RedisURL = ru }))
	s.BAPI("POST", "/users", map[string]any{"email_address": []string{"rl@example.com"}, "password": "right password 1"})
	b := s.NewBrowser()
	id := b.Call("POST", "/v1/client/sign_ins", form("identifier", "rl@example.com")).Env(t).Response["id"].(string)
	s.App.Limits.Limiter().(*ratelimit.Redis).Client.Close() // Redis gone
	r := b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", "right password 1"))
	if r.Status != 503 || r.ErrorCode() != "service_unavailable" {
		t.Fatalf("attempt with the limiter down: %d %s", r.Status, r.Body)
	}
	if b.Cookie("__session") != "" {
		t.Fatal("a session cookie was set while the limiter was down")
	}
	e := b.Call("GET", "/v1/client", nil).Env(t)
	if sessions, _ := e.Client["sessions"].([]any); len(sessions) != 0 {
		t.Fatalf("a session exists after a refused attempt: %v", sessions)
	}
	if r := s.BAPI("GET", "/users?limit=1", nil); r.Status != 503 {
		t.Fatalf("BAPI with the limiter down: %d %s", r.Status, r.Body)
	}
}
