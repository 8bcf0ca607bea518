package webhook

import (
	"strings"
	"testing"
	"time"
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
