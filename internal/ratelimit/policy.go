package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
)

// Clerk's published limits (clerk.com/docs, "Rate limits").
var (
	SignInCreate  = Rule{Name: "sign_in_create", Limit: 5, Window: 10 * time.Second}
	SignUpCreate  = Rule{Name: "sign_up_create", Limit: 5, Window: 10 * time.Second}
	SignInAttempt = Rule{Name: "sign_in_attempt", Limit: 3, Window: 10 * time.Second}
	SignUpAttempt = Rule{Name: "sign_up_attempt", Limit: 3, Window: 10 * time.Second}
	BackendAPI    = Rule{Name: "bapi", Limit: 1000, Window: 10 * time.Second}
)

// Gatehouse's own limits, where Clerk publishes none. Every route that hashes
// or verifies a password is limited (argon2id costs tens of milliseconds of a
// CPU each), and code e-mails are limited per recipient and per client.
var (
	// SignUpUpdate: PATCH /v1/client/sign_ups/{id} (it hashes a password
	// when one is sent), per client IP, like sign-up creation.
	SignUpUpdate = Rule{Name: "sign_up_update", Limit: 5, Window: 10 * time.Second}
	// ChangePassword: /v1/me/change_password and the profile page's
	// form, per client IP, like sign-in attempts (a wrong current password
	// also counts toward the account's lockout).
	ChangePassword = Rule{Name: "change_password", Limit: 3, Window: 10 * time.Second}
	// BackendPassword: Backend API requests that hash or verify a password
	// (POST /users or PATCH /users/{id} with password, POST
	// /users/{id}/verify_password), per secret key. Clerk once published 20
	// per 10 s for user creation; this leaves room for imports.
	BackendPassword = Rule{Name: "bapi_password", Limit: 100, Window: 10 * time.Second}
	// Code e-mails (sign-in, reset and verification codes, however asked
	// for) per recipient address, whoever asks: 3 a minute and 10 an hour.
	// An address that belongs to no account is counted exactly alike.
	CodeMailAddress     = Rule{Name: "code_mail_address", Limit: 3, Window: time.Minute}
	CodeMailAddressHour = Rule{Name: "code_mail_address_hour", Limit: 10, Window: time.Hour}
	// Code e-mails per client IP, to any addresses: 20 per 10 minutes.
	CodeMailClient = Rule{Name: "code_mail_ip", Limit: 20, Window: 10 * time.Minute}
	// DevBrowserCreate: POST /v1/dev_browser (development mode), per
	// client IP. clerk-js makes one per browser profile, and at most two more
	// when a token is refused.
	DevBrowserCreate = Rule{Name: "dev_browser_create", Limit: 20, Window: 10 * time.Second}
)

// Policy applies the rules to HTTP requests. A nil *Policy limits nothing.
type Policy struct {
	limiter Limiter
	trusted []netip.Prefix
	log     *slog.Logger
}

// Options configure New.
type Options struct {
	Limiter Limiter
	Trusted []netip.Prefix // proxies whose X-Forwarded-For is believed
	Log     *slog.Logger
}

// New returns a Policy counting in o.Limiter.
func New(o Options) *Policy { return &Policy{limiter: o.Limiter, trusted: o.Trusted, log: o.Log} }

// Limiter returns the store the policy counts in.
func (p *Policy) Limiter() Limiter { return p.limiter }

// FrontendRule returns the rule for a Frontend API request (method already
// resolved from ?_method=), or false when the route is not limited.
func FrontendRule(method, path string) (Rule, bool) {
	if method == http.MethodPatch {
		if rest, ok := strings.CutPrefix(path, "/v1/client/sign_ups/"); ok && rest != "" && !strings.Contains(rest, "/") {
			return SignUpUpdate, true
		}
		return Rule{}, false
	}
	if method != http.MethodPost {
		return Rule{}, false
	}
	switch path {
	case "/v1/client/sign_ins":
		return SignInCreate, true
	case "/v1/client/sign_ups":
		return SignUpCreate, true
	case "/v1/me/change_password":
		return ChangePassword, true
	case "/v1/dev_browser":
		return DevBrowserCreate, true
	}
	rest, ok := strings.CutPrefix(path, "/v1/client/sign_ins/")
	if ok {
		if _, action, ok := strings.Cut(rest, "/"); ok {
			switch action {
			case "attempt_first_factor", "attempt_second_factor", "reset_password":
				return SignInAttempt, true
			}
		}
	}
	if rest, ok := strings.CutPrefix(path, "/v1/me/email_addresses/"); ok {
		if _, action, ok := strings.Cut(rest, "/"); ok && action == "attempt_verification" {
			return SignUpAttempt, true
		}
	}
	if rest, ok := strings.CutPrefix(path, "/v1/client/sign_ups/"); ok {
		if _, action, ok := strings.Cut(rest, "/"); ok && action == "attempt_verification" {
			return SignUpAttempt, true
		}
	}
	return Rule{}, false
}

// Frontend limits the Frontend API's sign-in and sign-up routes per client
// IP. Mount it after method overriding and inside CORS, so a browser can
// read the 429.
func (p *Policy) Frontend(next http.Handler) http.Handler {
	if p == nil || p.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rule, ok := FrontendRule(r.Method, r.URL.Path); ok && !p.Allow(w, r, rule, gatehouse.RateKey(httpx.ClientAddr(r, p.trusted))) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// BackendKey is the Backend API rate-limit key for an authenticated secret
// key (a digest: the key itself never reaches the counter store).
func BackendKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:12])
}

// Allow checks rule for key; when the request may not proceed it writes the
// answer (429 with Retry-After, or 503 when the limiter cannot decide:
// failing closed) and returns false.
func (p *Policy) Allow(w http.ResponseWriter, r *http.Request, rule Rule, key string) bool {
	if ge := p.decide(r.Context(), rule, key); ge != nil {
		httpx.Error(w, r, ge) // sets Retry-After from meta.retry_after_seconds
		return false
	}
	return true
}

// Check applies rules to r's client IP for callers that render their own
// answer (the hosted pages): nil when every rule allows the request, else
// the error to show (429 with meta.retry_after_seconds, or 503).
func (p *Policy) Check(r *http.Request, rules ...Rule) *gatehouse.Error {
	if p == nil || p.limiter == nil {
		return nil
	}
	return p.CheckKey(r.Context(), gatehouse.RateKey(httpx.ClientAddr(r, p.trusted)), rules...)
}

// CheckKey applies rules to an explicit key (a secret key's digest, say):
// nil when every rule allows, else the error to answer with. The rules are
// asked in order and the first refusal stops, so put the cheapest-to-burn
// (the caller's own) counters first.
func (p *Policy) CheckKey(ctx context.Context, key string, rules ...Rule) *gatehouse.Error {
	if p == nil || p.limiter == nil {
		return nil
	}
	for _, rule := range rules {
		if ge := p.decide(ctx, rule, key); ge != nil {
			return ge
		}
	}
	return nil
}

// callerKey is the rate-limit key of the request's caller; false outside a
// request.
func callerKey(ctx context.Context) (string, bool) {
	c, _ := gatehouse.CallerFrom(ctx)
	return c.RateKey()
}

// CodeMail decides whether a code e-mail to address may be sent: first per
// client IP (the request's key, see gatehouse.Caller; skipped outside a
// request), then per recipient, so a client already refused does not use up
// the recipient's allowance. address should be normalised by the caller; it
// reaches the counter store only as a digest. It returns nil or the error to
// answer with (429 too_many_requests, or 503 when the limiter cannot decide).
func (p *Policy) CodeMail(ctx context.Context, address string) error {
	if p == nil || p.limiter == nil {
		return nil
	}
	if ip, ok := callerKey(ctx); ok {
		if ge := p.CheckKey(ctx, ip, CodeMailClient); ge != nil {
			return ge
		}
	}
	if ge := p.CheckKey(ctx, digest("mail", address), CodeMailAddress, CodeMailAddressHour); ge != nil {
		return ge
	}
	return nil
}

// digest keys a counter by a value that should not be stored as such (a
// secret key, an e-mail address).
func digest(kind, v string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + v))
	return hex.EncodeToString(sum[:12])
}

// decide asks the limiter and turns a refusal into the Clerk error to send.
func (p *Policy) decide(ctx context.Context, rule Rule, key string) *gatehouse.Error {
	if p == nil || p.limiter == nil {
		return nil
	}
	d, err := p.limiter.Allow(ctx, rule, key)
	if err != nil {
		if p.log != nil {
			p.log.Error("rate limiter unavailable: refusing the request", "rule", rule.Name, "error", err.Error())
		}
		return gatehouse.Err(gatehouse.CodeServiceUnavailable).
			Long("The request could not be checked against rate limits right now. Please retry.").With("cause", "rate_limiter")
	}
	if d.Allowed {
		return nil
	}
	secs := RetryAfterSeconds(d.RetryAfter)
	return gatehouse.Err(gatehouse.CodeTooManyRequests).Long("Too many requests. Retry in "+strconv.Itoa(secs)+" seconds.").
		With("retry_after_seconds", secs).With("limit", rule.Limit).With("window_seconds", int(rule.Window/time.Second))
}
