package keys

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

func key(t testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		var err error
		if testKey, err = GenerateRSA(); err != nil {
			t.Fatal(err)
		}
	})
	return testKey
}

func TestSealer(t *testing.T) {
	k, _ := ParseEncryptionKey(GenerateEncryptionKey())
	s, err := NewSealer(k)
	if err != nil {
		t.Fatal(err)
	}
	blob, err := s.Seal([]byte("secret"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := s.Open(blob, []byte("ad")); err != nil || string(pt) != "secret" {
		t.Fatalf("open: %q %v", pt, err)
	}
	if _, err := s.Open(blob, []byte("other")); !errors.Is(err, ErrUnseal) {
		t.Fatal("wrong associated data accepted")
	}
	for i := range blob {
		c := bytes.Clone(blob)
		c[i] ^= 1
		if _, err := s.Open(c, []byte("ad")); err == nil {
			t.Fatalf("tampered byte %d accepted", i)
		}
	}
	for n := range len(blob) {
		if _, err := s.Open(blob[:n], []byte("ad")); err == nil {
			t.Fatalf("truncated blob (%d bytes) accepted", n)
		}
	}
	k2, _ := ParseEncryptionKey(GenerateEncryptionKey())
	s2, _ := NewSealer(k2)
	if _, err := s2.Open(blob, []byte("ad")); err == nil {
		t.Fatal("wrong key accepted")
	}
	for _, bad := range []string{"", "short", strings.Repeat("z", 64), base64.StdEncoding.EncodeToString(make([]byte, 16))} {
		if _, err := ParseEncryptionKey(bad); err == nil {
			t.Fatalf("ParseEncryptionKey(%q) accepted", bad)
		}
	}
	if b, err := ParseEncryptionKey(strings.Repeat("ab", 32)); err != nil || len(b) != 32 {
		t.Fatal("hex key refused")
	}
}

func TestPrivateKeyRoundTripAndPEM(t *testing.T) {
	k := key(t)
	ek, _ := ParseEncryptionKey(GenerateEncryptionKey())
	s, _ := NewSealer(ek)
	blob, err := MarshalPrivate(s, "ins_a", k)
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnmarshalPrivate(s, "ins_a", blob)
	if err != nil || !got.Equal(k) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := UnmarshalPrivate(s, "ins_b", blob); err == nil {
		t.Fatal("blob accepted under another kid")
	}
	pem := PublicPEM(&k.PublicKey)
	// @clerk/backend strips this exact SPKI prefix for networkless verification.
	body := strings.Join(strings.Split(strings.TrimSpace(pem), "\n")[1:], "")
	if !strings.HasPrefix(pem, "-----BEGIN PUBLIC KEY-----") || !strings.HasPrefix(body, "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA") {
		t.Fatalf("PEM shape: %s", pem)
	}
}

func TestJWKS(t *testing.T) {
	k := key(t)
	b, err := JWKS([]PublicJWK{{KID: "ins_1", Key: &k.PublicKey}})
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Keys []map[string]string }
	if err := json.Unmarshal(b, &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("%s %v", b, err)
	}
	j := set.Keys[0]
	if j["kid"] != "ins_1" || j["alg"] != "RS256" || j["use"] != "sig" || j["kty"] != "RSA" || j["e"] != "AQAB" || j["d"] != "" {
		t.Fatalf("jwk: %v", j)
	}
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func rs256(t testing.TB, k *rsa.PrivateKey, header, payload map[string]any) string {
	signing := b64(header) + "." + b64(payload)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestSignAndVerify(t *testing.T) {
	k := key(t)
	s, err := NewSigner(SigningKey{KID: "ins_1", Private: k})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Sign(map[string]any{"sub": "user_1"})
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]*rsa.PublicKey{"ins_1": &k.PublicKey}
	payload, err := Verify(tok, keys)
	if err != nil || !strings.Contains(string(payload), `"sub":"user_1"`) {
		t.Fatalf("verify: %s %v", payload, err)
	}
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	var h map[string]string
	_ = json.Unmarshal(hdr, &h)
	if h["alg"] != "RS256" || h["kid"] != "ins_1" || h["typ"] != "JWT" {
		t.Fatalf("header: %s", hdr)
	}
	withCat, _ := s.SignWithHeaders(map[string]any{"sub": "u"}, map[string]any{"cat": "cl_B7d4PD111AAA"})
	if _, err := Verify(withCat, keys); err != nil {
		t.Fatalf("extra header: %v", err)
	}

	other, _ := GenerateRSA()
	pemKey := []byte(PublicPEM(&k.PublicKey))
	hs := func(secret []byte) string {
		signing := b64(map[string]any{"alg": "HS256", "kid": "ins_1", "typ": "JWT"}) + "." + b64(map[string]any{"sub": "attacker"})
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(signing))
		return signing + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	parts := strings.Split(tok, ".")
	flipped := []byte(parts[2])
	flipped[10] ^= 1
	bad := map[string]string{
		"alg none":          b64(map[string]any{"alg": "none", "kid": "ins_1"}) + "." + b64(map[string]any{"sub": "x"}) + ".",
		"HS256 with PEM":    hs(pemKey),
		"embedded jwk":      rs256(t, other, map[string]any{"alg": "RS256", "kid": "ins_1", "jwk": map[string]any{"kty": "RSA"}}, map[string]any{"sub": "x"}),
		"jku":               rs256(t, k, map[string]any{"alg": "RS256", "kid": "ins_1", "jku": "https://evil.test/jwks"}, map[string]any{"sub": "x"}),
		"x5u":               rs256(t, k, map[string]any{"alg": "RS256", "kid": "ins_1", "x5u": "https://evil.test/x"}, map[string]any{"sub": "x"}),
		"unknown kid":       rs256(t, k, map[string]any{"alg": "RS256", "kid": "../../etc/passwd"}, map[string]any{"sub": "x"}),
		"no kid":            rs256(t, k, map[string]any{"alg": "RS256"}, map[string]any{"sub": "x"}),
		"RS384":             rs256(t, k, map[string]any{"alg": "RS384", "kid": "ins_1"}, map[string]any{"sub": "x"}),
		"other key":         rs256(t, other, map[string]any{"alg": "RS256", "kid": "ins_1"}, map[string]any{"sub": "x"}),
		"tampered payload":  parts[0] + "." + b64(map[string]any{"sub": "admin"}) + "." + parts[2],
		"tampered sig":      parts[0] + "." + parts[1] + "." + string(flipped),
		"truncated sig":     tok[:len(tok)-5],
		"no signature":      parts[0] + "." + parts[1],
		"garbage":           "a.b.c",
		"empty":             "",
		"oversized":         parts[0] + "." + strings.Repeat("A", MaxTokenBytes) + "." + parts[2],
		"four parts":        tok + ".x",
		"header not object": base64.RawURLEncoding.EncodeToString([]byte(`"RS256"`)) + "." + parts[1] + "." + parts[2],
	}
	for name, tk := range bad {
		if _, err := Verify(tk, keys); !errors.Is(err, ErrTokenInvalid) {
			t.Errorf("%s: accepted or wrong error: %v", name, err)
		}
	}
}

func TestAPIKeys(t *testing.T) {
	pk, err := PublishableKey("127.0.0.1:8080", false)
	if err != nil || pk != "pk_live_MTI3LjAuMC4xOjgwODAk" {
		t.Fatalf("pk: %s %v", pk, err)
	}
	if dev, err := PublishableKey("127.0.0.1:8080", true); err != nil || dev != "pk_test_MTI3LjAuMC4xOjgwODAk" {
		t.Fatalf("development pk: %s %v", dev, err)
	} else if host, live, err := ParsePublishableKey(dev); err != nil || host != "127.0.0.1:8080" || live {
		t.Fatalf("parse development pk: %s %v %v", host, live, err)
	}
	host, live, err := ParsePublishableKey(pk)
	if err != nil || host != "127.0.0.1:8080" || !live {
		t.Fatalf("parse: %s %v %v", host, live, err)
	}
	for _, h := range []string{"localhost:8080", "", "a.b$c", "host/path.x"} {
		if _, err := PublishableKey(h, true); err == nil {
			t.Errorf("host %q accepted", h)
		}
	}
	for _, k := range []string{"pk_live_", "sk_live_abc", "pk_live_!!!", "pk_live_" + base64.RawStdEncoding.EncodeToString([]byte("nodollar.com"))} {
		if _, _, err := ParsePublishableKey(k); err == nil {
			t.Errorf("%q parsed", k)
		}
	}
	a, ha, _ := NewSecretKey(false)
	b, _, _ := NewSecretKey(false)
	if a == b || !strings.HasPrefix(a, "sk_live_") || len(a) < 8+43 || !EqualHash(ha, HashSecretKey(a)) || EqualHash(ha, HashSecretKey(b)) {
		t.Fatalf("secret keys: %s %s", a, b)
	}
	if EqualHash(ha, ha[:31]) || SecretKeyHint(a) != a[len(a)-4:] {
		t.Fatal("EqualHash must fail on length mismatch; hint is the last 4")
	}
	if d, hd, _ := NewSecretKey(true); !strings.HasPrefix(d, "sk_test_") || len(d) != 8+43 || !EqualHash(hd, HashSecretKey(d)) {
		t.Fatalf("development secret key: %s", d)
	}
}

// The vectors were computed by running getCookieSuffix from the published
// @clerk/shared 4.41.0 (dist/keys.mjs) under node 20; the ones with '-' and
// '_' pin the URL-safe alphabet.
func TestCookieSuffixMatchesClerkShared(t *testing.T) {
	for pk, want := range map[string]string{
		"pk_test_MTI3LjAuMC4xOjgwODAk":     "jhCTtJ4x",
		"pk_live_MTI3LjAuMC4xOjgwODAk":     "1cNra6fY",
		"pk_test_Y2xlcmsuZXhhbXBsZS5jb20k": "l2OS3d9k",
		"pk_test_MTI3LjAuMC4xOjgwMDUk":     "Pke_MFxv",
		"pk_test_MTI3LjAuMC4xOjgwMTAk":     "XM3hHEj-",
	} {
		if got := CookieSuffix(pk); got != want {
			t.Errorf("CookieSuffix(%s) = %s, want %s", pk, got, want)
		}
	}
}

func FuzzVerify(f *testing.F) {
	k := key(f)
	s, _ := NewSigner(SigningKey{KID: "ins_1", Private: k})
	tok, _ := s.Sign(map[string]any{"sub": "u"})
	f.Add(tok)
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	keys := map[string]*rsa.PublicKey{"ins_1": &k.PublicKey}
	f.Fuzz(func(t *testing.T, token string) {
		payload, err := Verify(token, keys)
		if err == nil && token != tok {
			// Only a genuinely signed token may pass.
			if _, err2 := Verify(tok, keys); err2 != nil || !bytes.Contains(payload, []byte(`"sub":"u"`)) {
				t.Fatalf("forged token accepted: %q", token)
			}
		}
	})
}

func FuzzParsePublishableKey(f *testing.F) {
	f.Add("pk_live_MTI3LjAuMC4xOjgwODAk")
	f.Add("pk_test_")
	f.Fuzz(func(t *testing.T, pk string) {
		host, _, err := ParsePublishableKey(pk)
		if err == nil && (!strings.Contains(host, ".") || strings.Contains(host, "$")) {
			t.Fatalf("invalid host %q accepted", host)
		}
	})
}

func BenchmarkSign(b *testing.B) {
	s, _ := NewSigner(SigningKey{KID: "ins_1", Private: key(b)})
	claims := map[string]any{"sub": "user_1", "sid": "sess_1", "exp": 1, "iat": 1}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Sign(claims); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkRawRSASign(b *testing.B) {
	k := key(b)
	sum := sha256.Sum256([]byte("header.payload"))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, sum[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
