package gatehouse

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Config configures a Verifier. Give either pinned keys (networkless:
// PublicKeyPEM or PublicKeys) or a JWKS source: APIURL + SecretKey (the
// Backend API's /jwks, as Clerk's SDKs use) or JWKSURL (the Frontend API's
// /.well-known/jwks.json).
//
// Pinned keys do not follow a rotation of the server's signing key: a token
// whose kid is not pinned is refused (ErrUnknownKey) until the new key is
// added, unless JWKSFallback is set and a JWKS source is configured.
type Config struct {
	// PublicKeyPEM is one pinned key, used whatever a token's kid says.
	PublicKeyPEM string
	// PublicKeys pins several keys by kid (kid → PEM, as `gatehouse keys
	// show` prints them), e.g. the current and the next key around a
	// rotation. Not together with PublicKeyPEM.
	PublicKeys map[string]string
	// JWKSFallback, with PublicKeys, fetches the JWKS source for a kid that
	// is not pinned (rate-limited like any unknown kid) instead of refusing.
	JWKSFallback bool

	APIURL            string // e.g. https://auth.example.com/api/v1
	SecretKey         string
	JWKSURL           string
	Issuer            string   // when set, iss must equal it
	AuthorizedParties []string // when set, azp must be present and listed
	Leeway            time.Duration
	HTTPClient        *http.Client
	Now               func() time.Time
	// MinRefetch bounds JWKS refetches caused by unknown key ids (default 10 s).
	MinRefetch time.Duration
}

// Verifier checks session tokens. It is safe for concurrent use.
type Verifier struct {
	cfg      Config
	static   *rsa.PublicKey            // PublicKeyPEM: any kid
	pinned   map[string]*rsa.PublicKey // PublicKeys: by kid
	mu       sync.Mutex
	keys     map[string]*rsa.PublicKey
	fetched  time.Time
	fetching chan struct{}
	headers  headerCache
	decoded  claimsCache
}

// NewVerifier validates cfg and returns a Verifier.
func NewVerifier(cfg Config) (*Verifier, error) {
	if cfg.Leeway == 0 {
		cfg.Leeway = 5 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MinRefetch == 0 {
		cfg.MinRefetch = 10 * time.Second
	}
	v := &Verifier{cfg: cfg, keys: map[string]*rsa.PublicKey{}}
	jwks := cfg.JWKSURL != "" || (cfg.APIURL != "" && cfg.SecretKey != "")
	switch {
	case cfg.PublicKeyPEM != "" && len(cfg.PublicKeys) > 0:
		return nil, errors.New("gatehouse: Config takes PublicKeyPEM or PublicKeys, not both")
	case cfg.JWKSFallback && (len(cfg.PublicKeys) == 0 || !jwks):
		return nil, errors.New("gatehouse: JWKSFallback needs PublicKeys (matched by kid) and JWKSURL or APIURL with SecretKey")
	case cfg.PublicKeyPEM != "":
		k, err := ParsePublicKeyPEM(cfg.PublicKeyPEM)
		if err != nil {
			return nil, err
		}
		v.static = k
	case len(cfg.PublicKeys) > 0:
		v.pinned = make(map[string]*rsa.PublicKey, len(cfg.PublicKeys))
		for kid, p := range cfg.PublicKeys {
			if kid == "" {
				return nil, errors.New("gatehouse: PublicKeys needs a kid for every key")
			}
			k, err := ParsePublicKeyPEM(p)
			if err != nil {
				return nil, fmt.Errorf("%w (kid %q)", err, kid)
			}
			v.pinned[kid] = k
		}
	case jwks:
	default:
		return nil, errors.New("gatehouse: Config needs PublicKeyPEM, PublicKeys, JWKSURL, or APIURL with SecretKey")
	}
	return v, nil
}

// ParsePublicKeyPEM parses a PKIX "PUBLIC KEY" PEM holding an RSA key of at
// least 2048 bits.
func ParsePublicKeyPEM(s string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil {
		return nil, errors.New("gatehouse: public key is not PEM")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("gatehouse: public key: %w", err)
	}
	k, ok := pub.(*rsa.PublicKey)
	if !ok || k.N.BitLen() < 2048 {
		return nil, errors.New("gatehouse: public key must be RSA, 2048 bits or more")
	}
	return k, nil
}

// Verify checks the signature first, then exp/nbf/iat (with leeway), the
// issuer and the authorized party, and returns the claims.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	hdr, input, sig, payload, err := splitAndCheck(token, &v.headers)
	if err != nil {
		return nil, err
	}
	key, err := v.key(ctx, hdr.Kid)
	if err != nil {
		return nil, err
	}
	if err := verifySignature(key, input, sig); err != nil {
		return nil, err
	}
	// The signature is checked on every call; only the JSON decoding of a
	// payload already seen (a browser repeats its token for up to a minute)
	// is reused, and every caller gets its own copy.
	c, ok := v.decoded.get(input)
	if !ok {
		if c, err = decodeClaims(payload); err != nil {
			return nil, err
		}
		v.decoded.put(input, c)
	}
	c = c.clone()
	return c, v.checkClaims(c)
}

func (v *Verifier) checkClaims(c *Claims) error {
	now := v.cfg.Now().Unix()
	leeway := int64(v.cfg.Leeway / time.Second)
	switch {
	case c.Subject == "":
		return fmt.Errorf("%w: no subject", ErrInvalidToken)
	case c.Expiry == 0 || now > c.Expiry+leeway:
		return ErrExpired
	case c.NotBefore != 0 && now+leeway < c.NotBefore:
		return ErrNotYetValid
	case c.IssuedAt != 0 && now+leeway < c.IssuedAt:
		return fmt.Errorf("%w: issued in the future", ErrInvalidToken)
	case v.cfg.Issuer != "" && c.Issuer != v.cfg.Issuer:
		return fmt.Errorf("%w: issuer %q", ErrInvalidToken, c.Issuer)
	case len(v.cfg.AuthorizedParties) > 0 && (c.AuthorizedParty == "" || !slices.Contains(v.cfg.AuthorizedParties, c.AuthorizedParty)):
		return fmt.Errorf("%w: authorized party %q", ErrInvalidToken, c.AuthorizedParty)
	}
	return nil
}

// key returns the verification key for kid: a pinned key, else (JWKS mode,
// or JWKSFallback) the JWKS, fetched when the kid is unknown (at most once
// per MinRefetch) or the set is over an hour old. Pinned keys without the
// fallback fail closed on an unknown kid.
func (v *Verifier) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if v.static != nil {
		return v.static, nil
	}
	if v.pinned != nil {
		if k, ok := v.pinned[kid]; ok {
			return k, nil
		}
		if !v.cfg.JWKSFallback {
			return nil, ErrUnknownKey
		}
	}
	v.mu.Lock()
	k, ok := v.keys[kid]
	stale := v.cfg.Now().Sub(v.fetched) > time.Hour
	canFetch := v.cfg.Now().Sub(v.fetched) >= v.cfg.MinRefetch
	v.mu.Unlock()
	if ok && !stale {
		return k, nil
	}
	if !canFetch && !ok {
		return nil, ErrUnknownKey
	}
	if err := v.refresh(ctx); err != nil {
		if ok {
			return k, nil // keep serving the known key while the JWKS source is down
		}
		return nil, fmt.Errorf("%w: %v", ErrUnknownKey, err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if k, ok := v.keys[kid]; ok {
		return k, nil
	}
	return nil, ErrUnknownKey
}

// refresh fetches the JWKS; concurrent callers share one fetch.
func (v *Verifier) refresh(ctx context.Context) error {
	v.mu.Lock()
	if ch := v.fetching; ch != nil {
		v.mu.Unlock()
		select {
		case <-ch:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	ch := make(chan struct{})
	v.fetching = ch
	v.mu.Unlock()
	keys, err := v.fetch(ctx)
	v.mu.Lock()
	v.fetched = v.cfg.Now()
	if err == nil {
		v.keys = keys
	}
	v.fetching = nil
	close(ch)
	v.mu.Unlock()
	return err
}

func (v *Verifier) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	u := v.cfg.JWKSURL
	if u == "" {
		u = strings.TrimSuffix(v.cfg.APIURL, "/") + "/jwks"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if v.cfg.JWKSURL == "" {
		req.Header.Set("Authorization", "Bearer "+v.cfg.SecretKey)
	}
	res, err := v.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jwks: %s", res.Status)
	}
	return ParseJWKS(io.LimitReader(res.Body, 1<<20))
}

// ParseJWKS reads a JSON Web Key Set, keeping RSA signing keys for RS256.
func ParseJWKS(r io.Reader) (map[string]*rsa.PublicKey, error) {
	var set struct {
		Keys []struct {
			Kty, Kid, Alg, Use, N, E string
		} `json:"keys"`
	}
	if err := json.NewDecoder(r).Decode(&set); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	out := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || (k.Alg != "" && k.Alg != "RS256") || (k.Use != "" && k.Use != "sig") || k.Kid == "" {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			continue
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < 2048 || pub.E < 3 {
			continue
		}
		out[k.Kid] = pub
	}
	if len(out) == 0 {
		return nil, errors.New("jwks: no usable RS256 keys")
	}
	return out, nil
}
