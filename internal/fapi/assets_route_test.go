package fapi_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/config"
)

// The public listener serves the pinned Clerk bundles at /npm/ (what
// @clerk/nextjs loads from the Frontend API host): a registry that cannot
// deliver a verified tarball gives a clear 503 and is asked once, not on
// every request; versions that are not pinned are 404 without asking.
func TestBundleRouteIsMounted(t *testing.T) {
	var hits atomic.Int64
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("not the pinned tarball"))
	}))
	defer reg.Close()
	if host, _, _ := net.SplitHostPort(strings.TrimPrefix(reg.URL, "http://")); host != "127.0.0.1" {
		t.Fatalf("registry stand-in must be on loopback, got %s", reg.URL)
	}
	s := apitest.StartConfig(t, apitest.SQLite, func(c *config.Config) { c.NPMRegistry = reg.URL })
	for range 3 {
		r := s.Do("GET", "/npm/@clerk/clerk-js@6/dist/clerk.browser.js", nil, nil)
		if r.Status != http.StatusServiceUnavailable || r.ErrorCode() != "service_unavailable" || !strings.Contains(string(r.Body), "assets pull") {
			t.Fatalf("unverifiable bundle: %d %s", r.Status, r.Body)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("registry asked %d times, want once (the failure is remembered)", n)
	}
	for _, p := range []string{"/npm/@clerk/clerk-js@4/dist/clerk.browser.js", "/npm/@clerk/ui@1/dist/../../encryption.key", "/npm/@clerk/nextjs@7/dist/index.js"} {
		if r := s.Do("GET", p, nil, nil); r.Status != http.StatusNotFound {
			t.Fatalf("%s: %d %s", p, r.Status, r.Body)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("an unpinned path asked the registry (%d requests)", n)
	}
}
