package httpx

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

var proxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}

func TestClientIP(t *testing.T) {
	cases := []struct {
		peer, xff, want string
	}{
		{"203.0.113.5:4000", "", "203.0.113.5"},
		{"203.0.113.5:4000", "198.51.100.1", "203.0.113.5"}, // untrusted peer: header ignored
		{"10.1.2.3:4000", "198.51.100.1", "198.51.100.1"},
		{"10.1.2.3:4000", "192.0.2.9, 198.51.100.1", "198.51.100.1"}, // client-supplied left entry ignored
		{"10.1.2.3:4000", "198.51.100.1, 10.9.9.9", "198.51.100.1"},  // trusted hops skipped
		{"10.1.2.3:4000", "garbage, 10.9.9.9", "10.9.9.9"},           // unparseable: last trusted hop
		{"10.1.2.3:4000", "", "10.1.2.3"},                            // proxy without header
		{"[::1]:4000", "2001:db8::7", "2001:db8::7"},                 // IPv6
		{"10.1.2.3:4000", "::ffff:198.51.100.4", "198.51.100.4"},     // v4-mapped unmapped
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := ClientIP(r, proxies).String(); got != c.want {
			t.Errorf("peer %s xff %q: got %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
	if k := gatehouse.RateKey(netip.MustParseAddr("2001:db8:1:2:3:4:5:6")); k != "2001:db8:1:2::/64" {
		t.Errorf("IPv6 rate key %s", k)
	}
}

// Whatever the header says, the answer is the peer or an address the header
// names, and never one of the trusted proxies when an untrusted entry exists.
func FuzzClientIP(f *testing.F) {
	f.Add("10.1.2.3:1", "198.51.100.1, 10.9.9.9")
	f.Add("203.0.113.5:1", "1.2.3.4")
	f.Add("[::1]:1", "::ffff:1.2.3.4,,, ,")
	f.Fuzz(func(t *testing.T, peer, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		r.Header.Set("X-Forwarded-For", xff)
		got := ClientIP(r, proxies)
		p := remoteAddr(r)
		if got == p {
			return
		}
		if !isTrusted(p, proxies) {
			t.Fatalf("untrusted peer %q but answer %s from the header", peer, got)
		}
		found := false
		for _, part := range strings.Split(xff, ",") {
			if a, err := netip.ParseAddr(strings.TrimSpace(part)); err == nil && a.Unmap() == got {
				found = true
			}
		}
		if !found {
			t.Fatalf("answer %s is neither the peer nor in %q", got, xff)
		}
	})
}

// Observe computes the caller once; ClientAddr (rate limits) reads that
// value, and the user agent kept is bounded, valid UTF-8 without NUL.
func TestClientInfoOnce(t *testing.T) {
	var got gatehouse.Caller
	var addr netip.Addr
	h := Observe(slog.New(slog.DiscardHandler), "test", proxies)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = gatehouse.CallerFrom(r.Context())
		addr = ClientAddr(r, nil) // the request's value, whatever list the caller holds
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.1.2.3:4000"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	r.Header.Set("User-Agent", strings.Repeat("a", MaxUserAgent-1)+"é\x00tail")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if got.IP != "198.51.100.1" || addr != got.Addr || got.RequestID == "" || got.RequestID != w.Header().Get("X-Request-Id") {
		t.Fatalf("client info %+v, ClientAddr %v", got, addr)
	}
	if got.UserAgent != strings.Repeat("a", MaxUserAgent-1) || !utf8.ValidString(got.UserAgent) {
		t.Fatalf("user agent %q", got.UserAgent)
	}
	// Outside Observe, ClientAddr computes under the list it is given.
	if a := ClientAddr(r, proxies); a.String() != "198.51.100.1" {
		t.Fatalf("ClientAddr outside Observe: %v", a)
	}
}
