package config

import (
	"strings"
	"testing"
)

func TestDefaultCookieDomain(t *testing.T) {
	for host, want := range map[string]string{
		"clerk.example.com":     "example.com",
		"CLERK.Example.COM":     "example.com",
		"clerk.app.example.com": "app.example.com",
		"auth.example.com":      "",
		"example.com":           "",
		"127.0.0.1":             "",
		"localhost":             "",
		"clerk.localhost":       "",
		"clerk.app.localhost":   "",
		"clerk.10.0.0.1":        "",
		"clerk.com":             "",
		"::1":                   "",
	} {
		if got := DefaultCookieDomain(host); got != want {
			t.Errorf("DefaultCookieDomain(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestCookieDomainConfig(t *testing.T) {
	cases := []struct {
		publicURL, flag string
		set             bool
		want, err       string
	}{
		{"https://clerk.example.com", "", false, "example.com", ""},
		{"https://clerk.example.com:8443", "", false, "example.com", ""},
		{"http://127.0.0.1:8080", "", false, "", ""},
		{"https://clerk.example.com", "", true, "", ""}, // explicitly host-only
		{"https://auth.example.com", ".Example.com", true, "example.com", ""},
		{"https://auth.example.com", "auth.example.com", true, "auth.example.com", ""},
		{"https://auth.example.com", "other.com", true, "", "--cookie-domain"},
		{"https://auth.example.com", "ample.com", true, "", "--cookie-domain"},
	}
	for _, c := range cases {
		cfg := Config{Listen: "127.0.0.1:0", Mode: ModeDevelopment, LogLevel: "info", LogFormat: "json", PublicURL: c.publicURL,
			CookieDomain: c.flag, cookieDomainSet: c.set}
		err := cfg.Finish()
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s %q: want error %q, got %v", c.publicURL, c.flag, c.err, err)
			}
			continue
		}
		if err != nil || cfg.CookieDomain != c.want {
			t.Errorf("%s %q: got %q, %v; want %q", c.publicURL, c.flag, cfg.CookieDomain, err, c.want)
		}
	}
}
