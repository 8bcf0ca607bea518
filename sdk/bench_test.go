package gatehouse

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkRawRS256Verify is the floor: hash + RSA-2048 PKCS#1 v1.5 verify.
func BenchmarkRawRS256Verify(b *testing.B) {
	k, _ := keys(b)
	tok := sign(b, k, hdr(), goodClaims())
	i := strings.LastIndexByte(tok, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(tok[i+1:])
	input := []byte(tok[:i])
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			sum := sha256.Sum256(input)
			if err := rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkMiddlewareVerify is a request through Middleware with a Bearer
// token: parse, verify, claim checks, context. Compare ns/op with the raw
// benchmark from the same run.
func BenchmarkMiddlewareVerify(b *testing.B) {
	k, _ := keys(b)
	v := pemVerifier(b, func(c *Config) { c.Now = func() time.Time { return now } })
	tok := sign(b, k, hdr(), goodClaims())
	h := Middleware(v, MiddlewareOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !AuthFromContext(r.Context()).SignedIn() {
			b.Fatal("not signed in")
		}
	}))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest("GET", "/api/notes", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		for pb.Next() {
			h.ServeHTTP(w, r)
		}
	})
}

// BenchmarkMiddlewareVerifyDistinctTokens sends a different token on every
// request, so nothing but the header parse is reused: the worst case.
func BenchmarkMiddlewareVerifyDistinctTokens(b *testing.B) {
	k, _ := keys(b)
	v := pemVerifier(b, func(c *Config) { c.Now = func() time.Time { return now } })
	toks := make([]string, 512)
	for i := range toks {
		toks[i] = sign(b, k, hdr(), with(goodClaims(), "jti", fmt.Sprintf("jti-%d", i)))
	}
	h := Middleware(v, MiddlewareOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer() // signing the 512 tokens is setup, not verification
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest("GET", "/api/notes", nil)
		w := httptest.NewRecorder()
		for pb.Next() {
			r.Header.Set("Authorization", "Bearer "+toks[n.Add(1)%int64(len(toks))])
			h.ServeHTTP(w, r)
		}
	})
}
