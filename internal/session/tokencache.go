package session

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// EnvelopeReuse is how long a token embedded in a client envelope
// (last_active_token in GET /v1/client and every FAPI response) may be handed
// out again instead of signing a new one. An RS256 signature is the whole
// cost of those reads; reusing a token already issued to the same client for
// the same session, audience and claims changes nothing a holder can do (it
// stays valid exactly as long as before), while the explicit refresh endpoint
// always mints.
const EnvelopeReuse = 10 * time.Second

// reuseCache remembers the last envelope token per (session, azp). An entry
// is used only while fresh and only when every claim except the time claims
// and jti is the same, so a metadata change, a key rotation or a new claims
// template mints at once. Bounded: a full cache drops an arbitrary eighth.
type reuseCache struct {
	mu  sync.Mutex
	m   map[string]reuseEntry
	max int
}

type reuseEntry struct {
	jwt      string
	sum      [32]byte
	mintedAt time.Time
}

func newReuseCache(max int) *reuseCache {
	return &reuseCache{m: map[string]reuseEntry{}, max: max}
}

func (c *reuseCache) get(key string, sum [32]byte, now time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || e.sum != sum || now.Before(e.mintedAt) || now.Sub(e.mintedAt) > EnvelopeReuse {
		return "", false
	}
	return e.jwt, true
}

func (c *reuseCache) put(key string, sum [32]byte, jwt string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; !ok && len(c.m) >= c.max {
		drop := c.max / 8
		for k := range c.m {
			if drop <= 0 {
				break
			}
			delete(c.m, k)
			drop--
		}
	}
	c.m[key] = reuseEntry{jwt: jwt, sum: sum, mintedAt: now}
}

// claimsSum fingerprints the claims that do not move with time, plus the
// signing key.
func claimsSum(claims map[string]any, kid string) [32]byte {
	b, _ := json.Marshal(claims) // sorted keys: deterministic
	return sha256.Sum256(append([]byte(kid+"\x00"), b...))
}

// EnvelopeToken returns a session token for a session and user the caller
// has already loaded for a client it has authenticated (the envelope's
// last_active_token). It may return a token minted for the same session,
// azp and claims within EnvelopeReuse; the session's status and the user's
// ban are checked on every call.
func (s *Service) EnvelopeToken(ctx context.Context, sess *gatehouse.Session, u *gatehouse.User, azp string) (string, error) {
	return s.mint(ctx, sess, u, azp, TokenLifetime, true)
}
