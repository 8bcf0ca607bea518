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
// is used only while fresh, only when every claim except the time claims
// and jti is the same, so a metadata change, a key rotation or a new claims
// template mints at once, and only when its iat is not before the caller's
// floor (see EnvelopeToken). Bounded: a full cache drops an arbitrary eighth.
type reuseCache struct {
	mu  sync.Mutex
	m   map[string]reuseEntry
	max int
}

type reuseEntry struct {
	jwt      string
	sum      [32]byte
	mintedAt time.Time
	iat      int64 // the token's iat claim (Unix seconds)
}

func newReuseCache(max int) *reuseCache {
	return &reuseCache{m: map[string]reuseEntry{}, max: max}
}

// get returns the cached token for key when its claims fingerprint is sum,
// it was minted within EnvelopeReuse of now, and its iat is at least minIAT
// (Unix seconds).
func (c *reuseCache) get(key string, sum [32]byte, now time.Time, minIAT int64) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || e.sum != sum || now.Before(e.mintedAt) || now.Sub(e.mintedAt) > EnvelopeReuse || e.iat < minIAT {
		return "", false
	}
	return e.jwt, true
}

func (c *reuseCache) put(key string, sum [32]byte, jwt string, now time.Time, iat int64) {
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
	c.m[key] = reuseEntry{jwt: jwt, sum: sum, mintedAt: now, iat: iat}
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
//
// clientUpdatedAt is the updated_at (Unix ms) of the client rendered with
// the token, which is also what __client_uat says (in seconds). The token
// returned is never older than that second: @clerk/backend treats a
// __session whose iat is before __client_uat as signed out, and clerk-js
// stores both from the same response. So a cached token minted before the
// client last changed (a touch, setActive, a new session) is not reused,
// and a fresh token's iat is not set before the client's second either
// (another node's clock may run slightly ahead).
func (s *Service) EnvelopeToken(ctx context.Context, sess *gatehouse.Session, u *gatehouse.User, azp string, clientUpdatedAt int64) (string, error) {
	return s.mint(ctx, sess, u, azp, TokenLifetime, true, clientUpdatedAt/1000)
}
