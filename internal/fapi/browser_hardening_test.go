package fapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/config"
)

// Cookies: the client token is HttpOnly and SameSite=Lax, Secure on https;
// every answer carries the security headers.
func TestCookieFlagsAndSecurityHeaders(t *testing.T) {
	for _, https := range []bool{false, true} {
		s := apitest.StartConfig(t, apitest.SQLite, func(c *config.Config) {
			if https {
				c.PublicURL = "https://auth.example.test"
			}
		})
		origin := s.URL
		if https {
			origin = "https://auth.example.test"
		}
		r := s.Do("POST", "/v1/client/sign_ups", "email_address=flags%2Bclerk_test%40example.com&password=flag+password+17",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": origin})
		if r.Status != 200 {
			t.Fatalf("https=%v sign-up: %d %s", https, r.Status, r.Body)
		}
		var client string
		for _, c := range (&http.Response{Header: r.Header}).Cookies() {
			if c.Name == "__client" {
				client = c.String()
				if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != https || len(c.Value) < 22 {
					t.Errorf("https=%v __client cookie: %s", https, client)
				}
			}
		}
		if client == "" {
			t.Fatalf("https=%v: no __client cookie", https)
		}
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
			"Referrer-Policy": "strict-origin-when-cross-origin", "Content-Security-Policy": "frame-ancestors 'none'"} {
			if !strings.Contains(r.Header.Get(k), want) {
				t.Errorf("https=%v %s = %q", https, k, r.Header.Get(k))
			}
		}
		if got := r.Header.Get("Strict-Transport-Security"); (got != "") != https {
			t.Errorf("https=%v HSTS = %q", https, got)
		}
	}
}

// The frontend cannot write anything but names, username, primary address
// and unsafe_metadata (ZITADEL CVE-2026-27946: self-verification).
func TestFrontendCannotSelfVerifyOrWriteMetadata(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	b := s.NewBrowser()
	signUp(t, s, b, "selfverify+clerk_test@example.com")
	for _, field := range []string{"verified", "public_metadata", "private_metadata", "email_addresses", "banned", "password_digest"} {
		r := b.Call("PATCH", "/v1/me", form(field, `{"role":"admin"}`))
		if r.Status < 400 || r.Status >= 500 {
			t.Errorf("PATCH /v1/me %s: %d %s", field, r.Status, r.Body)
		}
	}
	e := b.Call("GET", "/v1/me", nil)
	if strings.Contains(string(e.Body), "admin") {
		t.Fatalf("a frontend write reached the user: %s", e.Body)
	}
	if r := b.Call("PATCH", "/v1/me", form("unsafe_metadata", `{"theme":"dark"}`)); r.Status != 200 {
		t.Fatalf("unsafe_metadata: %d %s", r.Status, r.Body)
	}
}

// A mutation whose browser sends no Origin but says it is cross-site (Fetch
// Metadata) is refused before anything runs; same-origin and header-less
// (non-browser) requests go through.
func TestFrontendRefusesCrossSiteWithoutOrigin(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	body := "email_address=xsite%2Bclerk_test%40example.com&password=xsite+password+17"
	ct := "application/x-www-form-urlencoded"
	r := s.Do("POST", "/v1/client/sign_ups", body, map[string]string{"Content-Type": ct, "Sec-Fetch-Site": "cross-site"})
	if r.Status != http.StatusForbidden || r.ErrorCode() != "origin_invalid" {
		t.Fatalf("cross-site without Origin: %d %s", r.Status, r.Body)
	}
	if got := s.BAPI("GET", "/v1/users?email_address=xsite%2Bclerk_test%40example.com", nil); strings.Contains(string(got.Body), "xsite") {
		t.Fatalf("the refused sign-up created something: %s", got.Body)
	}
	for _, site := range []string{"same-origin", ""} {
		h := map[string]string{"Content-Type": ct}
		if site != "" {
			h["Sec-Fetch-Site"] = site
		}
		if r := s.Do("POST", "/v1/client/sign_ups", body, h); r.Status != http.StatusOK {
			t.Fatalf("Sec-Fetch-Site %q: %d %s", site, r.Status, r.Body)
		}
	}
}
