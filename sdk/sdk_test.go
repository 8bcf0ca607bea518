package gatehouse

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var (
	keyOnce  sync.Once
	testKey  *rsa.PrivateKey
	otherKey *rsa.PrivateKey
)

func keys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	keyOnce.Do(func() {
		testKey, _ = rsa.GenerateKey(rand.Reader, 2048)
		otherKey, _ = rsa.GenerateKey(rand.Reader, 2048)
	})
	return testKey, otherKey
}

func seg(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }

func sign(t testing.TB, k *rsa.PrivateKey, header, claims map[string]any) string {
	in := seg(header) + "." + seg(claims)
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func pemOf(k *rsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

var now = time.Unix(1_800_000_000, 0)

func goodClaims() map[string]any {
	return map[string]any{"sub": "user_1", "sid": "sess_1", "iss": "https://clerk.example.test", "azp": "https://app.example.test",
		"iat": now.Unix(), "nbf": now.Unix() - 5, "exp": now.Unix() + 60, "v": 2, "sts": "active", "fva": []int{3, -1}}
}

func hdr() map[string]any { return map[string]any{"alg": "RS256", "kid": "ins_1", "typ": "JWT"} }

func pemVerifier(t testing.TB, mut func(*Config)) *Verifier {
	k, _ := keys(t)
	cfg := Config{PublicKeyPEM: pemOf(&k.PublicKey), Issuer: "https://clerk.example.test",
		AuthorizedParties: []string{"https://app.example.test"}, Now: func() time.Time { return now }}
	if mut != nil {
		mut(&cfg)
	}
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func TestVerifyAcceptsAndRejects(t *testing.T) {
	k, other := keys(t)
	v := pemVerifier(t, nil)
	good := sign(t, k, hdr(), goodClaims())
	c, err := v.Verify(context.Background(), good)
	if err != nil || c.Subject != "user_1" || c.SessionID != "sess_1" || c.FactorAges[0] != 3 {
		t.Fatalf("good token: %+v %v", c, err)
	}
	hs := func() string {
		in := seg(map[string]any{"alg": "HS256", "kid": "ins_1"}) + "." + seg(goodClaims())
		m := hmac.New(sha256.New, []byte(pemOf(&k.PublicKey)))
		m.Write([]byte(in))
		return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}()
	parts := strings.Split(good, ".")
	bad := map[string]string{
		"alg none":            seg(map[string]any{"alg": "none"}) + "." + seg(goodClaims()) + ".",
		"HS256 key confusion": hs,
		"embedded jwk":        sign(t, other, with(hdr(), "jwk", map[string]any{"kty": "RSA"}), goodClaims()),
		"jku":                 sign(t, k, with(hdr(), "jku", "https://evil.test/k"), goodClaims()),
		"x5c":                 sign(t, k, with(hdr(), "x5c", []string{"MIIB"}), goodClaims()),
		"typ not JWT":         sign(t, k, with(hdr(), "typ", "at+jwt"), goodClaims()),
		"other key":           sign(t, other, hdr(), goodClaims()),
		"tampered payload":    parts[0] + "." + seg(with(goodClaims(), "sub", "user_admin")) + "." + parts[2],
		"truncated":           good[:len(good)-3],
		"expired":             sign(t, k, hdr(), with(goodClaims(), "exp", now.Unix()-6)),
		"no exp":              sign(t, k, hdr(), with(goodClaims(), "exp", nil)),
		"nbf in the future":   sign(t, k, hdr(), with(goodClaims(), "nbf", now.Unix()+6)),
		"iat in the future":   sign(t, k, hdr(), with(goodClaims(), "iat", now.Unix()+6)),
		"wrong issuer":        sign(t, k, hdr(), with(goodClaims(), "iss", "https://evil.test")),
		"missing azp":         sign(t, k, hdr(), with(goodClaims(), "azp", nil)),
		"wrong azp":           sign(t, k, hdr(), with(goodClaims(), "azp", "https://evil.test")),
		"no sub":              sign(t, k, hdr(), with(goodClaims(), "sub", nil)),
		"oversized":           parts[0] + "." + strings.Repeat("A", MaxTokenBytes) + "." + parts[2],
		"garbage":             "not.a.jwt",
		"two parts":           parts[0] + "." + parts[1],
	}
	for name, tok := range bad {
		if _, err := v.Verify(context.Background(), tok); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: want ErrInvalidToken, got %v", name, err)
		}
	}
	// Within the 5 s leeway: accepted.
	for _, c := range []map[string]any{with(goodClaims(), "exp", now.Unix()-4), with(goodClaims(), "nbf", now.Unix()+4)} {
		if _, err := v.Verify(context.Background(), sign(t, k, hdr(), c)); err != nil {
			t.Errorf("within leeway: %v", err)
		}
	}
}

func TestJWKSFetchAndRefetchOnUnknownKid(t *testing.T) {
	k, other := keys(t)
	var fetches atomic.Int32
	var mu sync.Mutex
	published := map[string]*rsa.PublicKey{"ins_1": &k.PublicKey}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/jwks" || r.Header.Get("Authorization") != "Bearer sk_live_x" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		fetches.Add(1)
		mu.Lock()
		defer mu.Unlock()
		var ks []map[string]string
		for kid, pub := range published {
			ks = append(ks, map[string]string{"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
				"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()), "e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": ks})
	}))
	defer srv.Close()
	clock := now
	v, err := NewVerifier(Config{APIURL: srv.URL + "/api/v1", SecretKey: "sk_live_x", Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := v.Verify(ctx, sign(t, k, hdr(), goodClaims())); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, sign(t, k, hdr(), goodClaims())); err != nil || fetches.Load() != 1 {
		t.Fatalf("cached key: %v fetches=%d", err, fetches.Load())
	}
	// A rotated key: unknown kid, refetched at most once per MinRefetch.
	mu.Lock()
	published["ins_2"] = &other.PublicKey
	mu.Unlock()
	rotated := sign(t, other, with(hdr(), "kid", "ins_2"), goodClaims())
	if _, err := v.Verify(ctx, rotated); !errors.Is(err, ErrUnknownKey) || fetches.Load() != 1 {
		t.Fatalf("refetch must wait MinRefetch: %v fetches=%d", err, fetches.Load())
	}
	clock = clock.Add(11 * time.Second)
	if _, err := v.Verify(ctx, rotated); err != nil || fetches.Load() != 2 {
		t.Fatalf("after MinRefetch: %v fetches=%d", err, fetches.Load())
	}
	for range 20 { // an attacker spraying kids cannot make us hammer the server
		_, _ = v.Verify(ctx, sign(t, other, with(hdr(), "kid", "ins_bogus"), goodClaims()))
	}
	if fetches.Load() != 2 {
		t.Fatalf("bogus kids caused %d fetches", fetches.Load())
	}
}

func TestHas(t *testing.T) {
	c := &Claims{Subject: "user_1", Features: "o:dashboard,u:ai,o:teams", Plans: "u:pro,o:team",
		Org: &OrgClaims{ID: "org_1", Role: "admin", Permissions: "manage,read", FeaturePermissionMap: "3,2"}, FactorAges: []int{4, -1}}
	got := strings.Join(c.OrgPermissions(), " ")
	if got != "org:dashboard:manage org:dashboard:read org:teams:read" {
		t.Fatalf("permissions: %s", got)
	}
	yes := map[string]Check{"role admin": Role("admin"), "role org:admin": Role("org:admin"), "perm": Permission("org:teams:read"),
		"feature any": Feature("ai"), "feature user": Feature("user:ai"), "feature org": Feature("o:teams"), "plan user": Plan("u:pro"),
		"plan org": Plan("org:team"), "fresh 10m": Fresh(10*time.Minute, false)}
	for name, ch := range yes {
		if !c.Has(ch) {
			t.Errorf("%s: want true", name)
		}
	}
	no := map[string]Check{"role member": Role("member"), "perm manage teams": Permission("org:teams:manage"), "perm unknown": Permission("org:billing:read"),
		"feature scope": Feature("o:ai"), "feature missing": Feature("sso"), "plan scope": Plan("o:pro"), "plan missing": Plan("enterprise"),
		"fresh 1m": Fresh(time.Minute, false), "second factor": Fresh(time.Hour, true)}
	for name, ch := range no {
		if c.Has(ch) {
			t.Errorf("%s: want false", name)
		}
	}
	if (&Claims{}).Has() || (*Claims)(nil).Has() {
		t.Fatal("no user: Has must be false")
	}
	if !c.Has(Role("admin"), Plan("pro")) || c.Has(Role("admin"), Plan("nope")) {
		t.Fatal("checks are ANDed")
	}
}

func TestMiddlewareAndProtect(t *testing.T) {
	k, _ := keys(t)
	v := pemVerifier(t, nil)
	tok := sign(t, k, hdr(), with(goodClaims(), "metadata", map[string]any{"role": "admin"}))
	protected := Middleware(v, MiddlewareOptions{})(Protect(ProtectOptions{SignInURL: "https://auth.example.test/sign-in"})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a := AuthFromContext(r.Context())
			_, _ = w.Write([]byte(a.UserID + " " + a.Claims.Metadata()["role"].(string)))
		})))
	do := func(path string, h map[string]string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		for k, v := range h {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		protected.ServeHTTP(w, r)
		return w
	}
	if w := do("/dashboard", map[string]string{"Cookie": "__session=" + tok}); w.Code != 200 || w.Body.String() != "user_1 admin" {
		t.Fatalf("cookie: %d %s", w.Code, w.Body)
	}
	if w := do("/api/x", map[string]string{"Authorization": "Bearer " + tok}); w.Code != 200 {
		t.Fatalf("bearer: %d", w.Code)
	}
	if w := do("/api/x", nil); w.Code != 401 || !strings.Contains(w.Body.String(), `"error":"unauthorized"`) || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("api signed out: %d %s", w.Code, w.Body)
	}
	if w := do("/dashboard", map[string]string{"Accept": "text/html"}); w.Code != 303 || !strings.HasPrefix(w.Header().Get("Location"), "https://auth.example.test/sign-in?redirect_url=http%3A%2F%2Fexample.com%2Fdashboard") {
		t.Fatalf("page signed out: %d %s", w.Code, w.Header().Get("Location"))
	}
	if w := do("/api/x", map[string]string{"Authorization": "Bearer " + tok + "x"}); w.Code != 401 {
		t.Fatalf("bad token: %d", w.Code)
	}
	admin := Middleware(v, MiddlewareOptions{})(Protect(ProtectOptions{Checks: []Check{Plan("pro")}})(http.NotFoundHandler()))
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/premium", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	admin.ServeHTTP(w, r)
	if w.Code != 403 || !strings.Contains(w.Body.String(), `"error":"forbidden"`) {
		t.Fatalf("failed check: %d %s", w.Code, w.Body)
	}
	m := MatchRoutes("/dashboard(.*)", "/api/notes/:id")
	for path, want := range map[string]bool{"/dashboard": true, "/dashboard/x/y": true, "/api/notes/n_1": true, "/api/notes/n_1/x": false, "/dash": false, "/x/dashboard": false} {
		if got := m.Match(httptest.NewRequest("GET", path, nil)); got != want {
			t.Errorf("match %s: %v", path, got)
		}
	}
}

func TestWebhookVerifier(t *testing.T) {
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	wv, err := NewWebhookVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	wv.Now = func() time.Time { return now }
	body := []byte(`{"type":"user.created"}`)
	ts := "1800000000"
	mac := hmac.New(sha256.New, []byte("0123456789abcdef0123456789abcdef"))
	mac.Write([]byte("msg_1." + ts + "."))
	mac.Write(body)
	sig := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if err := wv.Verify("msg_1", ts, "v2,abc "+sig, body); err != nil {
		t.Fatalf("valid: %v", err)
	}
	cases := map[string]error{
		"tampered body": wv.Verify("msg_1", ts, sig, []byte(`{"type":"user.deleted"}`)),
		"other id":      wv.Verify("msg_2", ts, sig, body),
		"v2 only":       wv.Verify("msg_1", ts, strings.Replace(sig, "v1,", "v2,", 1), body),
		"no signature":  wv.Verify("msg_1", ts, "", body),
		"bad ts":        wv.Verify("msg_1", "soon", sig, body),
	}
	for name, err := range cases {
		if !errors.Is(err, ErrWebhookSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
	wv.Now = func() time.Time { return now.Add(301 * time.Second) }
	if err := wv.Verify("msg_1", ts, sig, body); !errors.Is(err, ErrWebhookTimestamp) {
		t.Fatalf("replay after 5 minutes: %v", err)
	}
	if _, err := NewWebhookVerifier("whsec_short"); err == nil {
		t.Fatal("weak secret accepted")
	}
}

func TestCSRFAndSecurityHeaders(t *testing.T) {
	h := SecurityHeaders(CSRF(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })))
	cases := []struct {
		method string
		hdr    map[string]string
		want   int
	}{
		{"POST", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"POST", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"POST", map[string]string{"Sec-Fetch-Site": "same-origin"}, 204},
		{"POST", map[string]string{"Origin": "https://evil.test"}, 403},
		{"POST", map[string]string{"Origin": "http://example.com"}, 204},
		{"POST", map[string]string{"Sec-Fetch-Site": "cross-site", "Authorization": "Bearer x"}, 204},
		{"GET", map[string]string{"Sec-Fetch-Site": "cross-site"}, 204},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, "/form", nil)
		for k, v := range c.hdr {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.want || w.Header().Get("X-Frame-Options") != "DENY" || !strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s %v: %d %v", c.method, c.hdr, w.Code, w.Header())
		}
	}
}

func TestHandshakeRedirectsAndRedeems(t *testing.T) {
	k, _ := keys(t)
	bapi := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("nonce") != "n1" || r.Header.Get("Authorization") != "Bearer sk_live_x" {
			http.Error(w, "{}", 404)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"directives": []string{"__session=abc; Path=/", "__client_uat=1800000000; Path=/"}})
	}))
	defer bapi.Close()
	hs := &Handshake{FrontendURL: "https://clerk.example.test", APIURL: bapi.URL, SecretKey: "sk_live_x"}
	app := Middleware(pemVerifier(t, nil), MiddlewareOptions{Handshake: hs})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
	}))
	page := func(path, cookie string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Accept", "text/html")
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		return w
	}
	// Signed in per __client_uat, no token: off to the handshake.
	w := page("/dashboard?x=1", "__client_uat=1799999000")
	if w.Code != 307 || !strings.HasPrefix(w.Header().Get("Location"), "https://clerk.example.test/v1/client/handshake?format=nonce&redirect_url=http%3A%2F%2Fexample.com%2Fdashboard%3Fx%3D1") {
		t.Fatalf("handshake redirect: %d %s", w.Code, w.Header().Get("Location"))
	}
	// Signed out, or a fresh token: no handshake.
	if w := page("/dashboard", "__client_uat=0"); w.Code != 200 {
		t.Fatalf("signed out: %d", w.Code)
	}
	fresh := sign(t, k, hdr(), goodClaims())
	if w := page("/dashboard", "__client_uat=1799999000; __session="+fresh); w.Code != 200 {
		t.Fatalf("fresh token: %d", w.Code)
	}
	// Loop guard.
	if w := page("/dashboard", "__client_uat=1799999000; __clerk_redirect_count=3"); w.Code != 200 {
		t.Fatalf("loop guard: %d", w.Code)
	}
	// Back with the nonce: cookies set, nonce removed from the URL.
	w = page("/dashboard?x=1&__clerk_handshake_nonce=n1", "__client_uat=1799999000")
	cookies := strings.Join(w.Header().Values("Set-Cookie"), "\n")
	if w.Code != 307 || w.Header().Get("Location") != "/dashboard?x=1" || !strings.Contains(cookies, "__session=abc") {
		t.Fatalf("redeem: %d %s %s", w.Code, w.Header().Get("Location"), cookies)
	}
	if w := page("/dashboard?__clerk_handshake_nonce=bad", ""); w.Code != 502 {
		t.Fatalf("bad nonce: %d", w.Code)
	}
}

func FuzzVerify(f *testing.F) {
	k, _ := keys(f)
	v := pemVerifier(f, func(c *Config) { c.AuthorizedParties = nil })
	f.Add(sign(f, k, hdr(), goodClaims()))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := v.Verify(context.Background(), tok)
		if err == nil && c.Subject == "" {
			t.Fatal("accepted a token without subject")
		}
	})
}

func FuzzWebhookVerify(f *testing.F) {
	wv, _ := NewWebhookVerifier("whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef")))
	f.Add("msg_1", "1800000000", "v1,abc", []byte("{}"))
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		_ = wv.Verify(id, ts, sig, body) // must not panic
	})
}

// Claims handed to one request cannot leak changes into another, and the
// expiry is checked on every call even when the decoding is reused.
func TestReusedDecodingIsIsolatedAndStillChecked(t *testing.T) {
	k, _ := keys(t)
	clock := now
	v := pemVerifier(t, func(c *Config) { c.Now = func() time.Time { return clock } })
	tok := sign(t, k, hdr(), goodClaims())
	a, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	a.Subject, a.FactorAges[0] = "user_evil", 999
	b, err := v.Verify(context.Background(), tok)
	if err != nil || b.Subject != "user_1" || b.FactorAges[0] != 3 {
		t.Fatalf("second verification saw the first caller's changes: %+v %v", b, err)
	}
	clock = clock.Add(2 * time.Minute)
	if _, err := v.Verify(context.Background(), tok); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired token accepted from the decode cache: %v", err)
	}
}
