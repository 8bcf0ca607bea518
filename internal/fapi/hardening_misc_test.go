package fapi_test

import (
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/users"
)

var engines = []apitest.Engine{apitest.SQLite, apitest.Postgres}

// Behind a trusted proxy, the audit log and the webhook payload name the
// same caller: the forwarded client address (not the proxy's) and the
// request's user agent. Both read the one gatehouse.Caller httpx.Observe computes.
func TestCallerInfoBehindTrustedProxy(t *testing.T) {
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) {
			s := apitest.StartConfig(t, e, func(c *config.Config) {
				c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
			})
			rcv := apitest.NewReceiver(t)
			s.AddEndpoint(rcv, "user.created")
			s.RunDispatcher()

			const client, agent = "203.0.113.77", "caller-info-test/1.0 (proxied)"
			proxied := func() *apitest.Browser {
				b := s.NewBrowser()
				b.Header = http.Header{"X-Forwarded-For": {"198.51.100.1, " + client}, "User-Agent": {agent}}
				return b
			}
			signUp(t, s, proxied(), "proxied+clerk_test@example.com")
			// A failed sign-in: an audit event recorded from this request.
			b := proxied()
			si := b.Call("POST", "/v1/client/sign_ins", form("identifier", "proxied+clerk_test@example.com")).Env(t).Response
			b.Call("POST", "/v1/client/sign_ins/"+si["id"].(string)+"/attempt_first_factor", form("strategy", "password", "password", "not the password 1"))

			evs, _, body := auditList(t, s, "type=sign_in.failed")
			if len(evs) != 1 || evs[0].IP != client || evs[0].UserAgent != agent {
				t.Fatalf("audit event: want ip %s and user agent %q: %s", client, agent, body)
			}
			ds := rcv.WaitFor(t, "user.created", 10*time.Second, func(ds []apitest.Delivery) bool { return len(ds) >= 1 })
			attrs, _ := ds[0].Event["event_attributes"].(map[string]any)
			req, _ := attrs["http_request"].(map[string]any)
			if req["client_ip"] != client || req["user_agent"] != agent {
				t.Fatalf("webhook event_attributes.http_request = %v, want client_ip %s and user_agent %q", req, client, agent)
			}
		})
	}
}

// An address added to someone else's account is held for its owner's
// sign-up only for users.EmailHold from when it was added: re-sending the
// code does not extend the hold, and removing and re-adding the address
// (or adding it again over its own lapsed row) within
// users.EmailHoldCooldown gets no new hold. Time moves on the server's
// injected clock.
func TestEmailHoldNotRenewable(t *testing.T) {
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) {
			clock := gatehouse.NewFakeClock(time.Now())
			s := apitest.StartConfig(t, e, func(c *config.Config) { c.Clock = clock })
			squatter := s.NewBrowser()
			signUp(t, s, squatter, "squatter+clerk_test@example.com")
			add := func(b *apitest.Browser, addr string) map[string]any {
				t.Helper()
				return b.Call("POST", "/v1/me/email_addresses", form("email_address", addr)).Env(t).Response
			}
			held := func(addr string) bool {
				t.Helper()
				r := s.NewBrowser().Call("POST", "/v1/client/sign_ups", form("email_address", addr, "password", "victim pass 12"))
				if r.Status != 200 && r.ErrorCode() != "form_identifier_exists" {
					t.Fatalf("sign-up with %s: %d %s", addr, r.Status, r.Body)
				}
				return r.Status != 200
			}

			// Re-sending the code does not extend the hold.
			id := add(squatter, "victim1@example.com")["id"].(string)
			for _, step := range []time.Duration{6 * time.Minute, 3 * time.Minute} {
				clock.Advance(step)
				if r := squatter.Call("POST", "/v1/me/email_addresses/"+id+"/prepare_verification", form("strategy", "email_code")); r.Status != 200 {
					t.Fatalf("prepare: %d %s", r.Status, r.Body)
				}
			}
			if !held("victim1@example.com") { // 9 minutes after adding
				t.Fatal("the address was not held during its hold")
			}
			clock.Advance(2 * time.Minute) // 11 minutes after adding, 2 after the last re-send
			if held("victim1@example.com") {
				t.Fatal("re-sending the verification code extended the hold: the owner cannot sign up")
			}

			// Removing and re-adding within the cooldown: no new hold.
			id = add(squatter, "victim2@example.com")["id"].(string)
			clock.Advance(11 * time.Minute)
			if r := squatter.Call("DELETE", "/v1/me/email_addresses/"+id, nil); r.Status != 200 {
				t.Fatalf("remove: %d %s", r.Status, r.Body)
			}
			again := add(squatter, "victim2@example.com")
			// (No code was sent for it yet, so it may render no verification.)
			if v, ok := again["verification"].(map[string]any); ok && v["expire_at"] != nil && int64(v["expire_at"].(float64)) > clock.Now().UnixMilli() {
				exp := v["expire_at"].(float64)
				t.Fatalf("re-added address held until %d (now %d)", int64(exp), clock.Now().UnixMilli())
			}
			if held("victim2@example.com") {
				t.Fatal("removing and re-adding the address renewed its hold")
			}
			// Adding it again over its own lapsed row: no new hold either.
			add(squatter, "victim3@example.com")
			clock.Advance(11 * time.Minute)
			add(squatter, "victim3@example.com")
			if held("victim3@example.com") {
				t.Fatal("re-adding the lapsed address renewed its hold")
			}

			// After the cooldown the address can be held again (by a fresh
			// account: the squatter's session has long expired by then).
			clock.Advance(users.EmailHoldCooldown)
			other := s.NewBrowser()
			signUp(t, s, other, "other+clerk_test@example.com")
			add(other, "victim3@example.com")
			if !held("victim3@example.com") {
				t.Fatal("an address added after the cooldown was not held")
			}
		})
	}
}
