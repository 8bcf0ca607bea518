package gatehouse

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// A PEM set pins keys by kid: tokens of either pinned key verify (a rotation
// announced ahead keeps working), a kid that is not pinned fails closed, and
// only JWKSFallback lets the Verifier look the kid up in the JWKS.
func TestPinnedKeySetAndJWKSFallback(t *testing.T) {
	k, other := keys(t)
	third, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		pub := third.PublicKey
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": "ins_3", "alg": "RS256", "use": "sig",
			"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()), "e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())}}})
	}))
	defer srv.Close()
	set := map[string]string{"ins_1": pemOf(&k.PublicKey), "ins_2": pemOf(&other.PublicKey)}
	ctx := context.Background()
	tok1 := sign(t, k, hdr(), goodClaims())
	tok2 := sign(t, other, with(hdr(), "kid", "ins_2"), goodClaims())
	tok3 := sign(t, third, with(hdr(), "kid", "ins_3"), goodClaims())
	swapped := sign(t, k, with(hdr(), "kid", "ins_2"), goodClaims()) // right key set, wrong key for the kid
	noKid := sign(t, k, with(hdr(), "kid", nil), goodClaims())

	pinned := pemVerifier(t, func(c *Config) { c.PublicKeyPEM, c.PublicKeys, c.JWKSURL = "", set, srv.URL })
	for name, tok := range map[string]string{"ins_1": tok1, "ins_2": tok2} {
		if c, err := pinned.Verify(ctx, tok); err != nil || c.Subject != "user_1" {
			t.Errorf("pinned %s: %v", name, err)
		}
	}
	for name, tok := range map[string]string{"unknown kid": tok3, "no kid": noKid} {
		if _, err := pinned.Verify(ctx, tok); !errors.Is(err, ErrUnknownKey) {
			t.Errorf("%s without fallback: %v, want ErrUnknownKey", name, err)
		}
	}
	if _, err := pinned.Verify(ctx, swapped); err == nil || errors.Is(err, ErrUnknownKey) {
		t.Errorf("token signed by the other pinned key: %v, want a signature error", err)
	}
	if fetches.Load() != 0 {
		t.Fatalf("pinned keys without fallback fetched the JWKS %d times", fetches.Load())
	}

	fallback := pemVerifier(t, func(c *Config) { c.PublicKeyPEM, c.PublicKeys, c.JWKSURL, c.JWKSFallback = "", set, srv.URL, true })
	for name, tok := range map[string]string{"ins_1": tok1, "ins_2": tok2, "ins_3 via JWKS": tok3} {
		if _, err := fallback.Verify(ctx, tok); err != nil {
			t.Errorf("fallback %s: %v", name, err)
		}
	}
	if _, err := fallback.Verify(ctx, swapped); err == nil {
		t.Error("fallback accepted a token signed by the wrong key for its kid")
	}
	if fetches.Load() != 1 {
		t.Fatalf("fallback fetched the JWKS %d times, want 1 (pinned kids never fetch)", fetches.Load())
	}

	for name, cfg := range map[string]Config{
		"PEM and set":            {PublicKeyPEM: set["ins_1"], PublicKeys: set},
		"fallback without set":   {PublicKeyPEM: set["ins_1"], JWKSURL: srv.URL, JWKSFallback: true},
		"fallback without JWKS":  {PublicKeys: set, JWKSFallback: true},
		"empty kid":              {PublicKeys: map[string]string{"": set["ins_1"]}},
		"bad PEM in set":         {PublicKeys: map[string]string{"ins_1": "nope"}},
		"no key source whatever": {Now: func() time.Time { return now }},
	} {
		if _, err := NewVerifier(cfg); err == nil {
			t.Errorf("%s: NewVerifier accepted it", name)
		}
	}
}
