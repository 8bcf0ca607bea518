package fapi_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/keys"
)

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// claims verifies a session token against the server's published keys and
// returns its claims.
func claims(t *testing.T, s *apitest.Server, jwt string) map[string]any {
	t.Helper()
	payload, err := keys.Verify(jwt, s.App.Instance.KeyMap())
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	var c map[string]any
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func code(t *testing.T, s *apitest.Server, to string) string {
	t.Helper()
	m, ok := s.Mail.Last(to)
	if !ok || len(m.Code) != 6 || !strings.Contains(m.Text, m.Code) || !strings.Contains(m.HTML, m.Code) {
		t.Fatalf("no code mail to %s: %+v", to, m)
	}
	return m.Code
}

func token(t *testing.T, b *apitest.Browser, sid string) (*apitest.Response, string) {
	t.Helper()
	r := b.Call("POST", "/v1/client/sessions/"+sid+"/tokens", form("organization_id", ""))
	var tok struct{ Object, JWT string }
	_ = json.Unmarshal(r.Body, &tok)
	return r, tok.JWT
}

// The whole journey a person makes, over plain HTTP as clerk-js speaks it:
// sign up with an email code, sign out, sign in with a password, refresh,
// reset the password, on both engines.
func TestJourney(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		b := s.NewBrowser()
		const email, pw = "Journey.User@Example.com", "first password 1"

		if r := b.Call("GET", "/v1/environment", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"single_session_mode":true`) {
			t.Fatalf("environment: %d %s", r.Status, r.Body)
		}
		if r := b.Call("GET", "/v1/client", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"response":null`) {
			t.Fatalf("client before anything: %d %s", r.Status, r.Body)
		}

		// Sign up.
		e := b.Call("POST", "/v1/client/sign_ups", form("email_address", email, "password", pw, "first_name", "Jo")).Env(t)
		su := e.Response
		if su["object"] != "sign_up_attempt" || su["status"] != "missing_requirements" || !strings.Contains(toJSON(su["unverified_fields"]), "email_address") {
			t.Fatalf("sign up: %v", su)
		}
		firstClientCookie := b.Cookie("__client")
		if firstClientCookie == "" || b.Cookie("__client_uat") != "0" {
			t.Fatalf("cookies after sign-up create: client=%q uat=%q", firstClientCookie, b.Cookie("__client_uat"))
		}
		sua := su["id"].(string)
		e = b.Call("POST", "/v1/client/sign_ups/"+sua+"/prepare_verification", form("strategy", "email_code")).Env(t)
		if v := e.Response["verifications"].(map[string]any)["email_address"].(map[string]any); v["next_action"] != "needs_attempt" {
			t.Fatalf("prepare: %v", v)
		}
		c := code(t, s, email)
		wrong := "000000"
		if c == wrong {
			wrong = "111111"
		}
		if r := b.Call("POST", "/v1/client/sign_ups/"+sua+"/attempt_verification", form("strategy", "email_code", "code", wrong)); r.Status != 422 || r.ErrorCode() != "form_code_incorrect" {
			t.Fatalf("wrong code: %d %s", r.Status, r.Body)
		}
		e = b.Call("POST", "/v1/client/sign_ups/"+sua+"/attempt_verification", form("strategy", "email_code", "code", c)).Env(t)
		if e.Response["status"] != "complete" || e.Response["created_session_id"] == nil {
			t.Fatalf("attempt: %v", e.Response)
		}
		sid := e.Response["created_session_id"].(string)
		if b.Cookie("__client") == firstClientCookie {
			t.Fatal("client token must rotate when a session is created (session fixation)")
		}
		if uat := b.Cookie("__client_uat"); uat == "0" || uat == "" {
			t.Fatalf("__client_uat after sign-up: %q", uat)
		}
		sessions := e.Client["sessions"].([]any)
		if len(sessions) != 1 || e.Client["last_active_session_id"] != sid {
			t.Fatalf("client after sign-up: %v", e.Client)
		}
		sess := sessions[0].(map[string]any)
		if sess["user"].(map[string]any)["private_metadata"] != nil {
			t.Fatal("FAPI must not expose private_metadata")
		}
		lat := sess["last_active_token"].(map[string]any)["jwt"].(string)
		if claims(t, s, lat)["sid"] != sid {
			t.Fatal("last_active_token is not for the session")
		}
		// The code is single use.
		if r := b.Call("POST", "/v1/client/sign_ups/"+sua+"/attempt_verification", form("strategy", "email_code", "code", c)); r.Status != 422 {
			t.Fatalf("replayed code: %d %s", r.Status, r.Body)
		}

		// Token refresh: claims v2.
		r, jwt := token(t, b, sid)
		if r.Status != 200 {
			t.Fatalf("token: %d %s", r.Status, r.Body)
		}
		cl := claims(t, s, jwt)
		userID := cl["sub"].(string)
		iat, exp, nbf := cl["iat"].(float64), cl["exp"].(float64), cl["nbf"].(float64)
		if cl["sid"] != sid || !strings.HasPrefix(userID, "user_") || cl["iss"] != s.URL || cl["azp"] != s.URL || cl["v"].(float64) != 2 ||
			cl["sts"] != "active" || exp-iat != 60 || iat-nbf != 5 || cl["jti"] == "" || toJSON(cl["fva"]) != "[0,-1]" {
			t.Fatalf("claims: %v", cl)
		}

		// /v1/me.
		if r := b.Call("PATCH", "/v1/me", form("first_name", "Joanna")); r.Status != 200 || r.Env(t).Response["first_name"] != "Joanna" {
			t.Fatalf("update me: %d %s", r.Status, r.Body)
		}
		if r := b.Call("PATCH", "/v1/me", form("public_metadata", `{"role":"admin"}`)); r.Status != 422 || r.ErrorCode() != "form_param_unknown" {
			t.Fatalf("frontend must not write public_metadata: %d %s", r.Status, r.Body)
		}

		// A second sign-in while signed in (single-session mode) is refused.
		if r := b.Call("POST", "/v1/client/sign_ins", form("identifier", email)); r.ErrorCode() != "session_exists" {
			t.Fatalf("sign-in while signed in: %d %s", r.Status, r.Body)
		}

		// Sign out: the session can no longer mint tokens.
		e = b.Call("DELETE", "/v1/client/sessions", nil).Env(t)
		if len(e.Client["sessions"].([]any)) != 0 || b.Cookie("__client_uat") != "0" {
			t.Fatalf("after sign-out: %v uat=%s", e.Client, b.Cookie("__client_uat"))
		}
		if r, _ := token(t, b, sid); r.Status != 401 {
			t.Fatalf("token after sign-out: %d %s", r.Status, r.Body)
		}

		// Sign in with the password.
		e = b.Call("POST", "/v1/client/sign_ins", form("identifier", "journey.user@example.com")).Env(t)
		si := e.Response
		if si["status"] != "needs_first_factor" || !strings.Contains(toJSON(si["supported_first_factors"]), `"strategy":"password"`) {
			t.Fatalf("sign in: %v", si)
		}
		sia := si["id"].(string)
		if r := b.Call("POST", "/v1/client/sign_ins/"+sia+"/attempt_first_factor", form("strategy", "password", "password", "not the password")); r.Status != 422 || r.ErrorCode() != "form_password_incorrect" {
			t.Fatalf("wrong password: %d %s", r.Status, r.Body)
		}
		e = b.Call("POST", "/v1/client/sign_ins/"+sia+"/attempt_first_factor", form("strategy", "password", "password", pw)).Env(t)
		if e.Response["status"] != "complete" {
			t.Fatalf("password sign-in: %v", e.Response)
		}
		sid2 := e.Response["created_session_id"].(string)
		if _, jwt := token(t, b, sid2); claims(t, s, jwt)["sub"] != userID {
			t.Fatal("token after sign-in is for another user")
		}

		// Change password from the profile, then sign out.
		if r := b.Call("POST", "/v1/me/change_password", form("current_password", "wrong one", "new_password", "second password 2")); r.ErrorCode() != "form_password_incorrect" {
			t.Fatalf("change with wrong current: %d %s", r.Status, r.Body)
		}
		if r := b.Call("POST", "/v1/me/change_password", form("current_password", pw, "new_password", "second password 2")); r.Status != 200 {
			t.Fatalf("change password: %d %s", r.Status, r.Body)
		}
		b.Call("DELETE", "/v1/client/sessions", nil).Env(t)

		// Reset the password by email code.
		si = b.Call("POST", "/v1/client/sign_ins", form("identifier", email)).Env(t).Response
		sia = si["id"].(string)
		var emailID string
		for _, f := range si["supported_first_factors"].([]any) {
			if m := f.(map[string]any); m["strategy"] == "reset_password_email_code" {
				emailID = m["email_address_id"].(string)
			}
		}
		b.Call("POST", "/v1/client/sign_ins/"+sia+"/prepare_first_factor", form("strategy", "reset_password_email_code", "email_address_id", emailID)).Env(t)
		rc := code(t, s, email)
		e = b.Call("POST", "/v1/client/sign_ins/"+sia+"/attempt_first_factor", form("strategy", "reset_password_email_code", "code", rc)).Env(t)
		if e.Response["status"] != "needs_new_password" {
			t.Fatalf("reset code: %v", e.Response)
		}
		if r := b.Call("POST", "/v1/client/sign_ins/"+sia+"/reset_password", form("password", "short")); r.ErrorCode() != "form_password_length_too_short" {
			t.Fatalf("short reset password: %d %s", r.Status, r.Body)
		}
		e = b.Call("POST", "/v1/client/sign_ins/"+sia+"/reset_password", form("password", "third password 3", "sign_out_of_other_sessions", "true")).Env(t)
		if e.Response["status"] != "complete" || len(e.Client["sessions"].([]any)) != 1 {
			t.Fatalf("reset: %v", e)
		}
		// Old password no longer works, new one does (through the Backend API check).
		for pwd, want := range map[string]int{"second password 2": 422, "third password 3": 200} {
			if r := s.BAPI("POST", "/users/"+userID+"/verify_password", map[string]any{"password": pwd}); r.Status != want {
				t.Fatalf("verify %q after reset: %d %s", pwd, r.Status, r.Body)
			}
		}
	})
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

var _ = time.Second
