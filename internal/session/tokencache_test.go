package session

import (
	"fmt"
	"testing"
	"time"
)

func TestReuseCacheWindowClaimsAndBound(t *testing.T) {
	c := newReuseCache(64)
	t0 := time.Unix(1_800_000_000, 0)
	a := claimsSum(map[string]any{"sub": "user_1", "sid": "sess_1", "fva": []int{0, -1}}, "ins_key1")
	c.put("sess_1\x00", a, "tok-a", t0, t0.Unix())
	if tok, ok := c.get("sess_1\x00", a, t0.Add(EnvelopeReuse), 0); !ok || tok != "tok-a" {
		t.Fatalf("within the window: %q %v", tok, ok)
	}
	if _, ok := c.get("sess_1\x00", a, t0.Add(EnvelopeReuse+time.Millisecond), 0); ok {
		t.Fatal("reused after the window")
	}
	if _, ok := c.get("sess_1\x00", a, t0.Add(-time.Second), 0); ok {
		t.Fatal("reused a token minted in the future (clock stepped back)")
	}
	for _, other := range []struct {
		claims map[string]any
		kid    string
	}{
		{map[string]any{"sub": "user_1", "sid": "sess_1", "fva": []int{1, -1}}, "ins_key1"},                  // factor age moved
		{map[string]any{"sub": "user_1", "sid": "sess_1", "fva": []int{0, -1}}, "ins_key2"},                  // key rotated
		{map[string]any{"sub": "user_1", "sid": "sess_1", "fva": []int{0, -1}, "role": "admin"}, "ins_key1"}, // metadata claim
	} {
		if _, ok := c.get("sess_1\x00", claimsSum(other.claims, other.kid), t0, 0); ok {
			t.Fatalf("reused across different claims %v / %s", other.claims, other.kid)
		}
	}
	if _, ok := c.get("sess_1\x00https://other.example", a, t0, 0); ok {
		t.Fatal("reused across azp")
	}
	for i := range 1000 {
		c.put(fmt.Sprintf("sess_%d\x00", i), a, "t", t0, t0.Unix())
	}
	if n := len(c.m); n > 64 {
		t.Fatalf("cache grew to %d entries, bound 64", n)
	}
}

// A cached token is not handed out to a caller whose floor (the client's
// updated_at second, which is __client_uat) is after the token's iat.
func TestReuseCacheHonoursIATFloor(t *testing.T) {
	c := newReuseCache(8)
	t0 := time.Unix(1_800_000_000, 900_000_000)
	a := claimsSum(map[string]any{"sub": "user_1", "sid": "sess_1"}, "k")
	c.put("sess_1\x00", a, "tok", t0, t0.Unix())
	if _, ok := c.get("sess_1\x00", a, t0.Add(200*time.Millisecond), t0.Unix()); !ok {
		t.Fatal("same second: want reuse")
	}
	if _, ok := c.get("sess_1\x00", a, t0.Add(200*time.Millisecond), t0.Unix()+1); ok {
		t.Fatal("reused a token older than the client's updated_at second")
	}
}
