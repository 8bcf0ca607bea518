package ratelimit

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

func tooMany(t *testing.T, err error, what string) {
	t.Helper()
	ge, ok := gatehouse.AsError(err)
	if !ok || ge.Status != http.StatusTooManyRequests || ge.Code != "too_many_requests" || ge.Meta["retry_after_seconds"] == nil {
		t.Fatalf("%s: want 429 too_many_requests, got %v", what, err)
	}
}

// Code e-mails: 3 a minute and 10 an hour per recipient whoever asks, and
// 20 per 10 minutes per client to any recipients.
func TestCodeMailLimits(t *testing.T) {
	c := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	p := New(Options{Limiter: &Memory{Now: c.now}})
	ipA := gatehouse.WithCaller(context.Background(), gatehouse.Caller{Addr: netip.MustParseAddr("192.0.2.1")})
	ipB := gatehouse.WithCaller(context.Background(), gatehouse.Caller{Addr: netip.MustParseAddr("192.0.2.2")})

	for i := range 3 {
		if err := p.CodeMail([]context.Context{ipA, ipB, context.Background()}[i], "victim@example.com"); err != nil {
			t.Fatalf("mail %d: %v", i+1, err)
		}
	}
	tooMany(t, p.CodeMail(ipA, "victim@example.com"), "4th mail to one address in a minute")
	tooMany(t, p.CodeMail(gatehouse.WithCaller(context.Background(), gatehouse.Caller{Addr: netip.MustParseAddr("198.51.100.7")}), "victim@example.com"), "4th mail from a fresh client")
	// Ten an hour: three more every two minutes (the minute limit never
	// trips), the 11th and later refused.
	sent := 3
	for range 3 {
		c.add(2 * time.Minute)
		for range 3 {
			err := p.CodeMail(ipB, "victim@example.com")
			if sent < 10 {
				if err != nil {
					t.Fatalf("mail %d in the hour: %v", sent+1, err)
				}
				sent++
			} else {
				tooMany(t, err, "11th mail to one address in an hour")
			}
		}
	}

	// Per client: 20 distinct recipients, then refused; another client is not.
	ipC := gatehouse.WithCaller(context.Background(), gatehouse.Caller{Addr: netip.MustParseAddr("203.0.113.5")})
	for i := range 20 {
		if err := p.CodeMail(ipC, fmt.Sprintf("user%d@example.com", i)); err != nil {
			t.Fatalf("client mail %d: %v", i+1, err)
		}
	}
	tooMany(t, p.CodeMail(ipC, "fresh@example.com"), "21st mail from one client")
	if err := p.CodeMail(ipA, "fresh@example.com"); err != nil {
		t.Fatalf("another client, fresh address: %v", err)
	}
	// A client refused does not use up the recipient's allowance.
	for range 5 {
		tooMany(t, p.CodeMail(ipC, "bystander@example.com"), "refused client")
	}
	for i := range 3 {
		if err := p.CodeMail(ipA, "bystander@example.com"); err != nil {
			t.Fatalf("bystander mail %d after a refused client's tries: %v", i+1, err)
		}
	}
	var nilPolicy *Policy
	if err := nilPolicy.CodeMail(ipA, "victim@example.com"); err != nil {
		t.Fatal("limits off must not refuse")
	}
}

// FrontendRule covers every Frontend API route that hashes a password.
func TestFrontendRulePasswordRoutes(t *testing.T) {
	for _, c := range []struct {
		method, path string
		want         Rule
	}{
		{"POST", "/v1/client/sign_ins", SignInCreate},
		{"POST", "/v1/client/sign_ups", SignUpCreate},
		{"PATCH", "/v1/client/sign_ups/sua_1", SignUpUpdate},
		{"POST", "/v1/client/sign_ins/sia_1/attempt_first_factor", SignInAttempt},
		{"POST", "/v1/client/sign_ins/sia_1/reset_password", SignInAttempt},
		{"POST", "/v1/me/change_password", ChangePassword},
	} {
		if got, ok := FrontendRule(c.method, c.path); !ok || got != c.want {
			t.Errorf("%s %s: %v %v, want %s", c.method, c.path, got, ok, c.want.Name)
		}
	}
	for _, c := range [][2]string{{"GET", "/v1/client/sign_ups/sua_1"}, {"PATCH", "/v1/client/sign_ups/"}, {"PATCH", "/v1/me"}} {
		if r, ok := FrontendRule(c[0], c[1]); ok {
			t.Errorf("%s %s limited by %s", c[0], c[1], r.Name)
		}
	}
}
