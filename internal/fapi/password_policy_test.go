package fapi_test

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/config"
)

// A local stand-in for the Pwned Passwords range API (no network in tests).
func fakePwned(t *testing.T, breached string) (url string, calls *atomic.Int64, down *atomic.Bool) {
	calls, down = &atomic.Int64{}, &atomic.Bool{}
	sum := sha1.Sum([]byte(breached))
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/"+h[:5]) {
			fmt.Fprintf(w, "%s:1234\n", h[5:])
		}
		fmt.Fprintln(w, "00000000000000000000000000000000000:0")
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/range/", calls, down
}

func TestPasswordPolicy(t *testing.T) {
	const breached = "breached but long 1"
	rangeURL, calls, down := fakePwned(t, breached)
	s := apitest.StartConfig(t, apitest.SQLite, func(c *config.Config) { c.HIBP, c.HIBPURL = true, rangeURL })
	signUp := func(email, pw string) *apitest.Response {
		return s.NewBrowser().Call("POST", "/v1/client/sign_ups", form("email_address", email, "password", pw))
	}
	cases := []struct{ pw, code, source string }{
		{"short", "form_password_length_too_short", ""},
		{"password", "form_password_pwned", "common"},
		{"Qwertyuiop", "form_password_pwned", "common"},
		{breached, "form_password_pwned", "breach"},
		{strings.Repeat("x", 300), "form_password_length_too_long", ""},
	}
	for _, c := range cases {
		r := signUp("pp@example.com", c.pw)
		if r.Status != 422 || r.ErrorCode() != c.code {
			t.Fatalf("sign-up with %.20q: %d %s", c.pw, r.Status, r.Body)
		}
		if c.source != "" && !strings.Contains(string(r.Body), `"source":"`+c.source+`"`) {
			t.Fatalf("sign-up with %q: no source %s in %s", c.pw, c.source, r.Body)
		}
	}
	if r := signUp("pp@example.com", "a fine passphrase 7"); r.Status != 200 {
		t.Fatalf("good password refused: %d %s", r.Status, r.Body)
	}
	// The Backend API applies the same checks unless told to skip them.
	r := s.BAPI("POST", "/users", map[string]any{"email_address": []string{"b1@example.com"}, "password": breached})
	if r.Status != 422 || r.ErrorCode() != "form_password_pwned" {
		t.Fatalf("BAPI create with a breached password: %d %s", r.Status, r.Body)
	}
	before := calls.Load()
	r = s.BAPI("POST", "/users", map[string]any{"email_address": []string{"b2@example.com"}, "password": "password", "skip_password_checks": true})
	if r.Status != 200 || calls.Load() != before {
		t.Fatalf("skip_password_checks: %d %s (range API called %d times)", r.Status, r.Body, calls.Load()-before)
	}
	// The range API down: the bundled list still applies, other passwords pass.
	down.Store(true)
	if r := signUp("pp2@example.com", "password"); r.ErrorCode() != "form_password_pwned" {
		t.Fatalf("common password with HIBP down: %d %s", r.Status, r.Body)
	}
	if r := signUp("pp2@example.com", breached); r.Status != 200 {
		t.Fatalf("HIBP down must not block sign-ups: %d %s", r.Status, r.Body)
	}
}
