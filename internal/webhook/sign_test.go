package webhook

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// The vector is Svix's published example; the svix npm library (2.5.0)
// produces the same signature for it.
func TestSignSvixVector(t *testing.T) {
	got, err := Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil || got != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Fatalf("Sign = %q, %v", got, err)
	}
	for _, bad := range []string{"whsec_", "whsec_!!!", "whsec_c2hvcnQ="} {
		if _, err := Sign(bad, "msg_1", time.Now(), nil); err == nil {
			t.Errorf("Sign accepted the weak or malformed secret %q", bad)
		}
	}
}

func TestNewSecret(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSecret()
	k, err := secretKey(a)
	if !strings.HasPrefix(a, "whsec_") || err != nil || len(k) != 32 || a == b {
		t.Fatalf("secret %q (%d bytes, %v); second %q", a, len(k), err, b)
	}
}

func TestForbidden(t *testing.T) {
	for _, s := range []string{"127.0.0.1", "127.9.9.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
		"169.254.1.1", "100.64.0.1", "100.100.100.200", "0.0.0.0", "::", "::1", "fe80::1", "fc00::1", "fd00:ec2::254",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1", "ff02::1"} {
		if !Forbidden(netip.MustParseAddr(s)) {
			t.Errorf("%s must be refused", s)
		}
	}
	for _, s := range []string{"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2001:4860:4860::8888"} {
		if Forbidden(netip.MustParseAddr(s)) {
			t.Errorf("%s must be allowed", s)
		}
	}
}

func TestValidateURL(t *testing.T) {
	strict := &Service{}
	lax := &Service{AllowPrivate: true}
	for _, u := range []string{"", "ftp://example.com/", "/relative", "https://", "https://user:pw@example.com/", "javascript:alert(1)",
		"https://example.com/" + strings.Repeat("a", 2100)} {
		if err := lax.ValidateURL(u); err == nil {
			t.Errorf("%q must be refused", u)
		}
	}
	for _, u := range []string{"http://127.0.0.1:9/", "http://localhost/", "http://app.localhost/", "https://[::1]/", "http://10.0.0.8/h",
		"http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]/"} {
		err := strict.ValidateURL(u)
		if ge, ok := err.(*gatehouse.Error); !ok || ge.Meta["param_name"] != "url" {
			t.Errorf("%q must be refused without --webhook-allow-private, got %v", u, err)
		}
		if err := lax.ValidateURL(u); err != nil {
			t.Errorf("%q must be allowed with --webhook-allow-private: %v", u, err)
		}
	}
	if err := strict.ValidateURL("https://hooks.example.com/clerk?x=1"); err != nil {
		t.Fatal(err)
	}
}
