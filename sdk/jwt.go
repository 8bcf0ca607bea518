package gatehouse

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// MaxTokenBytes bounds the tokens Verify looks at.
const MaxTokenBytes = 16 << 10

// Verification errors; every failure wraps ErrInvalidToken.
var (
	ErrInvalidToken = errors.New("invalid session token")
	ErrExpired      = fmt.Errorf("%w: expired", ErrInvalidToken)
	ErrNotYetValid  = fmt.Errorf("%w: not valid yet", ErrInvalidToken)
	ErrUnknownKey   = fmt.Errorf("%w: unknown signing key", ErrInvalidToken)
)

type jwtHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// rawHeader names every header field Verify looks at; the key-carrying ones
// must be absent.
type rawHeader struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ"`
	JWK  json.RawMessage `json:"jwk"`
	JKU  json.RawMessage `json:"jku"`
	X5U  json.RawMessage `json:"x5u"`
	X5C  json.RawMessage `json:"x5c"`
	Crit json.RawMessage `json:"crit"`
}

// headerCache remembers parsed headers: every token signed by one key has the
// same header segment, so most verifications skip the header JSON entirely.
type headerCache struct {
	mu sync.RWMutex
	m  map[string]jwtHeader
}

func (hc *headerCache) get(seg string) (jwtHeader, bool) {
	hc.mu.RLock()
	h, ok := hc.m[seg]
	hc.mu.RUnlock()
	return h, ok
}

func (hc *headerCache) put(seg string, h jwtHeader) {
	hc.mu.Lock()
	if hc.m == nil || len(hc.m) >= 32 {
		hc.m = map[string]jwtHeader{}
	}
	hc.m[seg] = h
	hc.mu.Unlock()
}

func parseHeader(h string) (jwtHeader, error) {
	hb, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return jwtHeader{}, fmt.Errorf("%w: header encoding", ErrInvalidToken)
	}
	var raw rawHeader
	if err := json.Unmarshal(hb, &raw); err != nil {
		return jwtHeader{}, fmt.Errorf("%w: header", ErrInvalidToken)
	}
	if raw.JWK != nil || raw.JKU != nil || raw.X5U != nil || raw.X5C != nil || raw.Crit != nil {
		return jwtHeader{}, fmt.Errorf("%w: headers jwk, jku, x5u, x5c and crit are not allowed", ErrInvalidToken)
	}
	if raw.Alg != "RS256" {
		return jwtHeader{}, fmt.Errorf("%w: alg must be RS256", ErrInvalidToken)
	}
	if raw.Typ != "" && raw.Typ != "JWT" {
		return jwtHeader{}, fmt.Errorf("%w: typ must be JWT", ErrInvalidToken)
	}
	return jwtHeader{Alg: raw.Alg, Kid: raw.Kid, Typ: raw.Typ}, nil
}

// splitAndCheck parses the compact JWS framing and the header, refusing any
// algorithm but RS256 and any header that carries or points to a key.
func splitAndCheck(token string, hc *headerCache) (hdr jwtHeader, signingInput string, sig, payload []byte, err error) {
	if len(token) > MaxTokenBytes {
		return hdr, "", nil, nil, fmt.Errorf("%w: too large", ErrInvalidToken)
	}
	h, rest, ok := strings.Cut(token, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || strings.Contains(s, ".") {
		return hdr, "", nil, nil, fmt.Errorf("%w: not a compact JWS", ErrInvalidToken)
	}
	if cached, hit := hc.get(h); hit {
		hdr = cached
	} else {
		if hdr, err = parseHeader(h); err != nil {
			return hdr, "", nil, nil, err
		}
		hc.put(h, hdr)
	}
	if len(s) > 1024 {
		return hdr, "", nil, nil, fmt.Errorf("%w: signature too long", ErrInvalidToken)
	}
	if sig, err = base64.RawURLEncoding.DecodeString(s); err != nil || len(sig) == 0 {
		return hdr, "", nil, nil, fmt.Errorf("%w: signature encoding", ErrInvalidToken)
	}
	if payload, err = base64.RawURLEncoding.DecodeString(p); err != nil {
		return hdr, "", nil, nil, fmt.Errorf("%w: payload encoding", ErrInvalidToken)
	}
	return hdr, token[:len(h)+1+len(p)], sig, payload, nil
}

// verifySignature checks an RS256 signature with the standard library.
func verifySignature(key *rsa.PublicKey, signingInput string, sig []byte) error {
	h := sha256.New()
	_, _ = io.WriteString(h, signingInput)
	var buf [sha256.Size]byte
	sum := h.Sum(buf[:0])
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("%w: signature", ErrInvalidToken)
	}
	return nil
}

// decodeClaims decodes the payload (signature already verified).
func decodeClaims(payload []byte) (*Claims, error) {
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("%w: claims", ErrInvalidToken)
	}
	c.payload = payload
	return &c, nil
}
