package fapi_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
)

// Custom session claims rendered from shortcodes: the seeds' check
// sessionClaims.metadata.role == "admin" must work.
func TestCustomSessionClaims(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	r := s.BAPI("PATCH", "/instance", map[string]any{"session_claims": map[string]any{
		"metadata": "{{user.public_metadata}}", "email": "{{user.primary_email_address}}", "sub": "{{'forged'}}"}})
	if r.Status != 200 {
		t.Fatalf("set claims: %d %s", r.Status, r.Body)
	}
	b := s.NewBrowser()
	sid := signUp(t, s, b, "claims+clerk_test@example.com")
	_, jwt := token(t, b, sid)
	userID := claims(t, s, jwt)["sub"].(string)
	s.BAPI("PATCH", "/users/"+userID+"/metadata", map[string]any{"public_metadata": map[string]any{"role": "admin"}})
	_, jwt = token(t, b, sid)
	c := claims(t, s, jwt)
	if c["metadata"].(map[string]any)["role"] != "admin" || c["email"] != "claims+clerk_test@example.com" || c["sub"] != userID {
		t.Fatalf("custom claims: %v", c)
	}
}

// Multi-session mode lets one browser hold two signed-in users.
func TestMultiSession(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	s.BAPI("PATCH", "/instance", map[string]any{"multi_session": true})
	for _, e := range []string{"m1@example.com", "m2@example.com"} {
		s.BAPI("POST", "/users", map[string]any{"email_address": []string{e}, "password": "multi password 1"})
	}
	b := s.NewBrowser()
	for _, e := range []string{"m1@example.com", "m2@example.com"} {
		e := b.Call("POST", "/v1/client/sign_ins", form("identifier", e, "strategy", "password", "password", "multi password 1")).Env(t)
		if e.Response["status"] != "complete" {
			t.Fatalf("sign in: %v", e.Response)
		}
	}
	e := b.Call("GET", "/v1/client", nil).Env(t)
	if n := len(e.Client["sessions"].([]any)); n != 2 {
		t.Fatalf("want 2 sessions, got %d", n)
	}
}

// Native apps carry the client token in Authorization and get new ones back
// in the Authorization response header.
func TestNativeClient(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	s.BAPI("POST", "/users", map[string]any{"email_address": []string{"native@example.com"}, "password": "native password 1"})
	call := func(path, auth string, f url.Values) (*http.Response, string) {
		req, _ := http.NewRequest("POST", s.URL+path+"?_is_native=1", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(body)
	}
	res, body := call("/v1/client/sign_ins", "", form("identifier", "native@example.com"))
	tok := res.Header.Get("Authorization")
	if res.StatusCode != 200 || tok == "" || len(res.Cookies()) != 0 {
		t.Fatalf("native create: %d %q cookies=%v %s", res.StatusCode, tok, res.Cookies(), body)
	}
	id := between(body, `"response":{"object":"sign_in_attempt","id":"`, `"`)
	res, body = call("/v1/client/sign_ins/"+id+"/attempt_first_factor", tok, form("strategy", "password", "password", "native password 1"))
	rotated := res.Header.Get("Authorization")
	if res.StatusCode != 200 || rotated == "" || rotated == tok || !strings.Contains(body, `"status":"complete"`) {
		t.Fatalf("native attempt: %d %s", res.StatusCode, body)
	}
	sid := between(body, `"created_session_id":"`, `"`)
	if res, body = call("/v1/client/sessions/"+sid+"/tokens", rotated, nil); res.StatusCode != 200 || !strings.Contains(body, `"jwt":"ey`) {
		t.Fatalf("native token: %d %s", res.StatusCode, body)
	}
	if res, _ = call("/v1/client/sessions/"+sid+"/tokens", tok, nil); res.StatusCode == 200 {
		t.Fatal("the pre-sign-in client token still works after rotation")
	}
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	j := strings.Index(s, b)
	if j < 0 {
		return ""
	}
	return s[:j]
}

// clerk-js's signIn.create({identifier, password}) sends no strategy: the
// password is attempted at once.
func TestSignInCreateWithPasswordAndNoStrategy(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	s.BAPI("POST", "/users", map[string]any{"email_address": []string{"nostrat@example.com"}, "password": "no strategy 1"})
	b := s.NewBrowser()
	if r := b.Call("POST", "/v1/client/sign_ins", form("identifier", "nostrat@example.com", "password", "wrong one")); r.ErrorCode() != "form_password_incorrect" {
		t.Fatalf("wrong password at create: %d %s", r.Status, r.Body)
	}
	e := b.Call("POST", "/v1/client/sign_ins", form("identifier", "nostrat@example.com", "password", "no strategy 1")).Env(t)
	if e.Response["status"] != "complete" || e.Response["created_session_id"] == nil {
		t.Fatalf("create with password: %v", e.Response)
	}
}
