package fapi_test

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse/gatehouse/internal/apitest"
)

// A one-request sign-in from a browser without a client creates the client
// inside the step's transaction. When the password is wrong the client and
// its attempt are still saved and the browser gets its cookie, as when the
// client was created first; the attempt then completes with the right
// password, and the envelope shows the new session and its user.
func TestOneRequestSignInNewBrowser(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		const email, pw = "onestep@example.com", "one step password 1"
		if r := s.BAPI("POST", "/users", map[string]any{"email_address": []string{email}, "password": pw, "first_name": "Ona"}); r.Status != 200 {
			t.Fatalf("create user: %d %s", r.Status, r.Body)
		}
		b := s.NewBrowser()
		r := b.Call("POST", "/v1/client/sign_ins", form("identifier", email, "password", "wrong password 1"))
		if r.Status != 422 || r.ErrorCode() != "form_password_incorrect" {
			t.Fatalf("wrong password: %d %s", r.Status, r.Body)
		}
		if b.Cookie("__client") == "" {
			t.Fatal("a failed one-request sign-in left the browser without its client cookie")
		}
		e := b.Call("GET", "/v1/client", nil).Env(t)
		si, _ := e.Response["sign_in"].(map[string]any)
		if si == nil || si["status"] != "needs_first_factor" {
			t.Fatalf("client after the failure: %v", e.Response)
		}
		e = b.Call("POST", "/v1/client/sign_ins/"+si["id"].(string)+"/attempt_first_factor", form("strategy", "password", "password", pw)).Env(t)
		if e.Response["status"] != "complete" {
			t.Fatalf("attempt: %v", e.Response)
		}
		sessions, _ := e.Client["sessions"].([]any)
		if len(sessions) != 1 || e.Client["sign_in"] != nil || e.Client["last_active_session_id"] != e.Response["created_session_id"] {
			t.Fatalf("client after completion: %v", e.Client)
		}
		sess := sessions[0].(map[string]any)
		u, _ := sess["user"].(map[string]any)
		if u == nil || u["first_name"] != "Ona" || u["last_sign_in_at"] == nil || sess["last_active_token"] == nil {
			t.Fatalf("session in the envelope: %v", sess)
		}

		// One request, right password, another new browser: complete, the
		// envelope rendered from the step, and GET /v1/client agrees.
		b2 := s.NewBrowser()
		e = b2.Call("POST", "/v1/client/sign_ins", form("identifier", email, "password", pw)).Env(t)
		if e.Response["status"] != "complete" || b2.Cookie("__client") == "" {
			t.Fatalf("one-request sign-in: %v", e.Response)
		}
		again := b2.Call("GET", "/v1/client", nil).Env(t)
		s1, _ := e.Client["sessions"].([]any)
		s2, _ := again.Client["sessions"].([]any)
		if len(s1) != 1 || len(s2) != 1 || s1[0].(map[string]any)["id"] != s2[0].(map[string]any)["id"] ||
			e.Client["id"] != again.Client["id"] || e.Client["updated_at"] != again.Client["updated_at"] {
			t.Fatalf("envelope from the step %v\ndiffers from GET /v1/client %v", e.Client, again.Client)
		}
	})
}

// Signing in with an imported (bcrypt) digest rehashes it to argon2id in the
// sign-in's own transaction; the next sign-in verifies the new digest.
func TestSignInRehashesImportedDigest(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		raw, err := bcrypt.GenerateFromPassword([]byte("imported password 1"), 4)
		if err != nil {
			t.Fatal(err)
		}
		r := s.BAPI("POST", "/users", map[string]any{"email_address": []string{"rehash@example.com"}, "password_digest": string(raw), "password_hasher": "bcrypt"})
		if r.Status != 200 {
			t.Fatalf("import: %d %s", r.Status, r.Body)
		}
		id := r.Map(t)["id"].(string)
		for i := range 2 {
			e := s.NewBrowser().Call("POST", "/v1/client/sign_ins", form("identifier", "rehash@example.com", "password", "imported password 1")).Env(t)
			if e.Response["status"] != "complete" {
				t.Fatalf("sign-in %d: %v", i, e.Response)
			}
			u, err := s.App.Users.Get(t.Context(), id)
			if err != nil || !strings.HasPrefix(u.PasswordDigest, "$argon2id$") || u.LastSignInAt == nil || u.FailedAttempts != 0 {
				t.Fatalf("after sign-in %d: digest %.12q, last sign-in %v, failures %d, %v", i, u.PasswordDigest, u.LastSignInAt, u.FailedAttempts, err)
			}
		}
	})
}
