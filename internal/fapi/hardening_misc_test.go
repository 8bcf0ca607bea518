package fapi_test

import (
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/server"
)

// Behind a trusted proxy, the audit log and the webhook payload name the
// same caller: the forwarded client address (not the proxy's) and the
// request's user agent. Both read the one ClientInfo httpx.Observe computes.
func TestCallerInfoBehindTrustedProxy(t *testing.T) {
	for _, e := range []apitest.Engine{apitest.SQLite, apitest.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			s := apitest.StartConfig(t, e, func(c *server.Config) {
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
