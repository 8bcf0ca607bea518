package httpx_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/httpx"
)

func FuzzValidRedirect(f *testing.F) {
	allowed := []string{"https://app.example.com"}
	for _, s := range []string{"https://app.example.com/x", "https://app.example.com.evil.com/", "https://app.example.com@evil.com/",
		"javascript:alert(1)", "//evil.com", "https:/\\evil.com", "https://app.example.com..;/", "HTTPS://APP.EXAMPLE.COM/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, ok := httpx.ValidRedirect(raw, "http://127.0.0.1:8080", allowed)
		if !ok {
			return
		}
		origin := u.Scheme + "://" + u.Host
		if origin != "https://app.example.com" && origin != "http://127.0.0.1:8080" {
			t.Fatalf("%q accepted with origin %q", raw, origin)
		}
		if u.User != nil {
			t.Fatalf("%q accepted with userinfo", raw)
		}
	})
}
