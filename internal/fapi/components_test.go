package fapi_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// What Clerk's prebuilt components (@clerk/ui, loaded by clerk-js 6) send
// and expect, beyond what clerk-js's headless API exercises.

// eachConfig is apitest.Each with a configuration hook.
func eachConfig(t *testing.T, mut func(*config.Config), body func(t *testing.T, s *apitest.Server)) {
	t.Helper()
	for _, e := range []apitest.Engine{apitest.SQLite, apitest.Postgres} {
		t.Run(string(e), func(t *testing.T) { body(t, apitest.StartConfig(t, e, mut)) })
	}
}

// <SignUp/> posts every field it renders or knows, optional ones empty. An
// empty optional field is "not given" on create and on update; a required
// one still answers for itself.
func TestSignUpEmptyOptionalFields(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		b := s.NewBrowser()
		e := b.Call("POST", "/v1/client/sign_ups", form("email_address", "empty-opt+clerk_test@example.com",
			"password", "component pass 1", "username", "", "first_name", "", "last_name", "", "phone_number", "")).Env(t)
		su := e.Response
		if su["status"] != "missing_requirements" || su["username"] != nil || su["first_name"] != nil || su["last_name"] != nil {
			t.Fatalf("create with empty optional fields: %v", su)
		}
		id := su["id"].(string)
		// PATCH with empty optional fields leaves what was given alone.
		b.Call("PATCH", "/v1/client/sign_ups/"+id, form("first_name", "Ada")).Env(t)
		e = b.Call("PATCH", "/v1/client/sign_ups/"+id, form("username", "", "first_name", "", "last_name", "")).Env(t)
		if e.Response["first_name"] != "Ada" || e.Response["username"] != nil {
			t.Fatalf("update with empty optional fields: %v", e.Response)
		}
		// The whole component flow completes.
		b.Call("POST", "/v1/client/sign_ups/"+id+"/prepare_verification", form("strategy", "email_code")).Env(t)
		e = b.Call("POST", "/v1/client/sign_ups/"+id+"/attempt_verification", form("strategy", "email_code", "code", "424242")).Env(t)
		if e.Response["status"] != "complete" {
			t.Fatalf("sign-up did not complete: %v", e.Response)
		}
		// Required fields keep their own error, naming the field on screen.
		r := s.NewBrowser().Call("POST", "/v1/client/sign_ups", form("email_address", "", "password", "component pass 1", "username", ""))
		if r.Status != 422 || r.ErrorCode() == "form_username_invalid_length" || !containsParam(r, "email_address") {
			t.Fatalf("empty email address: %d %s", r.Status, r.Body)
		}
		// A non-empty optional field is still validated.
		if r := s.NewBrowser().Call("POST", "/v1/client/sign_ups", form("email_address", "x+clerk_test@example.com", "username", "a")); r.Status != 422 {
			t.Fatalf("one-letter username accepted: %d %s", r.Status, r.Body)
		}
	})
}

func containsParam(r *apitest.Response, name string) bool {
	var e struct {
		Errors []struct {
			Meta struct {
				ParamName string `json:"param_name"`
			} `json:"meta"`
		} `json:"errors"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return len(e.Errors) > 0 && e.Errors[0].Meta.ParamName == name
}

// The email-code card of <SignUp/> sends a code unless it sees a pending
// one (status "unverified" with strategy "email_code"). So until
// prepare_verification that shape must not appear: before it the
// verification says needs_prepare with no strategy and no expiry; after it,
// strategy email_code, attempts 0 and an integer expire_at. Sign-in factors
// and /v1/me/email_addresses follow the same rule.
func TestVerificationNotPendingBeforePrepare(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		pending := func(v map[string]any) bool {
			return v != nil && v["status"] == "unverified" && v["strategy"] == "email_code"
		}
		b := s.NewBrowser()
		const email = "card@example.com"
		e := b.Call("POST", "/v1/client/sign_ups", form("email_address", email, "password", "component pass 1")).Env(t)
		id := e.Response["id"].(string)
		for _, v := range []map[string]any{emailVerification(e.Response), emailVerification(e.Client["sign_up"].(map[string]any)),
			emailVerification(b.Call("GET", "/v1/client/sign_ups/"+id, nil).Env(t).Response)} {
			if pending(v) || v["expire_at"] != nil || v["next_action"] != "needs_prepare" {
				t.Fatalf("before prepare_verification the email verification reads as a sent code: %v", v)
			}
		}
		if _, sent := s.Mail.Last(email); sent {
			t.Fatal("a code was mailed before prepare_verification")
		}
		e = b.Call("POST", "/v1/client/sign_ups/"+id+"/prepare_verification", form("strategy", "email_code")).Env(t)
		v := emailVerification(e.Response)
		if exp, _ := v["expire_at"].(float64); !pending(v) || exp <= 0 || v["attempts"] != float64(0) || v["next_action"] != "needs_attempt" {
			t.Fatalf("after prepare_verification: %v", v)
		}
		e = b.Call("POST", "/v1/client/sign_ups/"+id+"/attempt_verification", form("strategy", "email_code", "code", code(t, s, email))).Env(t)
		if v := emailVerification(e.Response); v["status"] != "verified" || e.Response["status"] != "complete" {
			t.Fatalf("attempt: %v", e.Response)
		}

		// Sign-in: no first factor verification until one is prepared.
		si := s.NewBrowser()
		e = si.Call("POST", "/v1/client/sign_ins", form("identifier", email)).Env(t)
		if e.Response["first_factor_verification"] != nil {
			t.Fatalf("sign-in before prepare: %v", e.Response["first_factor_verification"])
		}
		var idn string
		for _, f := range e.Response["supported_first_factors"].([]any) {
			if f := f.(map[string]any); f["strategy"] == "email_code" {
				idn, _ = f["email_address_id"].(string)
			}
		}
		e = si.Call("POST", "/v1/client/sign_ins/"+e.Response["id"].(string)+"/prepare_first_factor",
			form("strategy", "email_code", "email_address_id", idn)).Env(t)
		ffv, _ := e.Response["first_factor_verification"].(map[string]any)
		if exp, _ := ffv["expire_at"].(float64); !pending(ffv) || exp <= 0 || ffv["attempts"] != float64(0) {
			t.Fatalf("sign-in after prepare: %v", ffv)
		}

		// An added address: verification null until a code is prepared.
		add := b.Call("POST", "/v1/me/email_addresses", form("email_address", "second-card+clerk_test@example.com")).Env(t)
		if add.Response["verification"] != nil {
			t.Fatalf("added address before prepare: %v", add.Response["verification"])
		}
		p := b.Call("POST", "/v1/me/email_addresses/"+add.Response["id"].(string)+"/prepare_verification", form("strategy", "email_code")).Env(t)
		pv, _ := p.Response["verification"].(map[string]any)
		if exp, _ := pv["expire_at"].(float64); !pending(pv) || exp <= 0 {
			t.Fatalf("added address after prepare: %v", pv)
		}
	})
}

func emailVerification(su map[string]any) map[string]any {
	v, _ := su["verifications"].(map[string]any)["email_address"].(map[string]any)
	return v
}

// setActive / touch moves client.updated_at and __client_uat to now. A
// session token handed out with that client must not be older: clerk-js
// stores last_active_token as __session, and @clerk/backend treats
// iat < __client_uat as signed out. The envelope-token reuse cache must not
// return a token minted in an earlier second than the client's update.
func TestTouchNeverHandsOutTokenOlderThanClientUAT(t *testing.T) {
	clock := gatehouse.NewFakeClock(time.Unix(1_900_000_000, 100_000_000))
	eachConfig(t, func(c *config.Config) { c.Clock = clock }, func(t *testing.T, s *apitest.Server) {
		b := s.NewBrowser()
		sid := signUp(t, s, b, "touch-race+clerk_test@example.com")
		cached := envelopeToken(t, b) // minted now and cached for EnvelopeReuse
		if cached == "" {
			t.Fatal("no envelope token")
		}
		clock.Advance(1500 * time.Millisecond) // a later second, still within the reuse window
		if envelopeToken(t, b) != cached {
			t.Fatal("precondition: the token is reused while nothing changed")
		}
		e := b.Call("POST", "/v1/client/sessions/"+sid+"/touch", form("active_organization_id", "")).Env(t)
		uat := int64(e.Client["updated_at"].(float64)) / 1000
		cookie, err := strconv.ParseInt(b.Cookie("__client_uat"), 10, 64)
		if err != nil || cookie != uat {
			t.Fatalf("__client_uat %q, client updated_at %d s", b.Cookie("__client_uat"), uat)
		}
		jwts := []string{}
		for _, sess := range e.Client["sessions"].([]any) {
			lat, _ := sess.(map[string]any)["last_active_token"].(map[string]any)
			jwts = append(jwts, lat["jwt"].(string))
		}
		if lat, _ := e.Response["last_active_token"].(map[string]any); lat != nil {
			jwts = append(jwts, lat["jwt"].(string))
		}
		if len(jwts) < 2 {
			t.Fatalf("touch response carries no tokens: %v", e)
		}
		for _, jwt := range jwts {
			if iat := int64(claims(t, s, jwt)["iat"].(float64)); iat < uat || iat < cookie {
				t.Fatalf("a token with iat %d handed out with client_uat %d: @clerk/backend reads that as signed out", iat, uat)
			}
		}
		// Reuse still works once the token is as new as the client.
		after := envelopeToken(t, b)
		if after != envelopeToken(t, b) {
			t.Fatal("reuse stopped working after a touch")
		}
	})
}
