package keys

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// MaxTokenBytes bounds the tokens Verify will look at.
const MaxTokenBytes = 16 << 10

// Signer signs RS256 JWTs with one key. It is safe for concurrent use.
type Signer struct {
	kid string
	js  jose.Signer
	key *rsa.PrivateKey
}

// NewSigner returns a Signer whose tokens carry {"alg":"RS256","kid":...,"typ":"JWT"}.
func NewSigner(k SigningKey) (*Signer, error) {
	if k.Private == nil || k.KID == "" {
		return nil, errors.New("signing key and kid are required")
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.KID)
	js, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k.Private}, opts)
	if err != nil {
		return nil, err
	}
	return &Signer{kid: k.KID, js: js, key: k.Private}, nil
}

// KID returns the key id.
func (s *Signer) KID() string { return s.kid }

// Sign marshals claims to JSON and returns the compact JWS.
func (s *Signer) Sign(claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return s.SignPayload(payload)
}

// SignPayload signs an already-encoded JSON payload.
func (s *Signer) SignPayload(payload []byte) (string, error) {
	obj, err := s.js.Sign(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// SignWithHeaders signs claims with extra protected headers (e.g. "cat").
func (s *Signer) SignWithHeaders(claims any, extra map[string]any) (string, error) {
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", s.kid)
	for k, v := range extra {
		opts = opts.WithHeader(jose.HeaderKey(k), v)
	}
	js, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: s.key}, opts)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	obj, err := js.Sign(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// ErrTokenInvalid is wrapped by every Verify failure.
var ErrTokenInvalid = errors.New("token invalid")

// Verify checks a compact RS256 JWS against the key named by its kid and
// returns the payload. It rejects every algorithm but RS256 (so "none" and
// HS256-with-the-public-key confusion fail), any header that embeds or points
// to a key (jwk, jku, x5u, x5c), unknown kids and oversized tokens. Claims
// are not checked here.
func Verify(token string, keys map[string]*rsa.PublicKey) ([]byte, error) {
	if len(token) > MaxTokenBytes {
		return nil, fmt.Errorf("%w: too large", ErrTokenInvalid)
	}
	if strings.Count(token, ".") != 2 {
		return nil, fmt.Errorf("%w: not a compact JWS", ErrTokenInvalid)
	}
	rawHeader, _, _ := strings.Cut(token, ".")
	hb, err := base64.RawURLEncoding.DecodeString(rawHeader)
	if err != nil {
		return nil, fmt.Errorf("%w: header encoding", ErrTokenInvalid)
	}
	var hdr map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(hb))
	if err := dec.Decode(&hdr); err != nil {
		return nil, fmt.Errorf("%w: header json", ErrTokenInvalid)
	}
	for _, banned := range []string{"jwk", "jku", "x5u", "x5c", "crit"} {
		if _, ok := hdr[banned]; ok {
			return nil, fmt.Errorf("%w: header %q not allowed", ErrTokenInvalid, banned)
		}
	}
	var alg, kid string
	if json.Unmarshal(hdr["alg"], &alg) != nil || alg != "RS256" {
		return nil, fmt.Errorf("%w: alg must be RS256", ErrTokenInvalid)
	}
	if json.Unmarshal(hdr["kid"], &kid) != nil || kid == "" {
		return nil, fmt.Errorf("%w: kid missing", ErrTokenInvalid)
	}
	key, ok := keys[kid]
	if !ok || key == nil {
		return nil, fmt.Errorf("%w: unknown kid", ErrTokenInvalid)
	}
	obj, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTokenInvalid, err)
	}
	payload, err := obj.Verify(key)
	if err != nil {
		return nil, fmt.Errorf("%w: signature", ErrTokenInvalid)
	}
	return payload, nil
}
