package fapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
)

// Reset-code mail is built from the configured public URL, never from the
// request's Host or X-Forwarded-Host (ZITADEL CVE-2025-64101).
func TestResetMailIgnoresHostHeaders(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	s.BAPI("POST", "/users", map[string]any{"email_address": []string{"victim@example.com"}, "password": "right password 1"})
	b := s.NewBrowser()
	b.Header = http.Header{"X-Forwarded-Host": {"evil.example"}, "X-Forwarded-Proto": {"https"}, "Forwarded": {"host=evil.example"}}
	id := b.Call("POST", "/v1/client/sign_ins", form("identifier", "victim@example.com")).Env(t).Response["id"].(string)
	if r := b.Call("POST", "/v1/client/sign_ins/"+id+"/prepare_first_factor", form("strategy", "reset_password_email_code")); r.Status != 200 {
		t.Fatalf("prepare reset: %d %s", r.Status, r.Body)
	}
	m, ok := s.Mail.Last("victim@example.com")
	if !ok {
		t.Fatal("no reset mail")
	}
	if all := m.Subject + m.Text + m.HTML; strings.Contains(all, "evil.example") {
		t.Fatalf("the reset mail carries the attacker's host: %s", all)
	}
}

// With the database gone, nothing authenticates: no token, no session, no
// Backend API answer — a clear 503 instead (fail closed).
func TestDatabaseDownFailsClosed(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) { databaseDown(t, s) })
}

func databaseDown(t *testing.T, s *apitest.Server) {
	s.BAPI("POST", "/users", map[string]any{"email_address": []string{"dbdown@example.com"}, "password": "right password 1"})
	b := s.NewBrowser()
	e := b.Call("POST", "/v1/client/sign_ins", form("identifier", "dbdown@example.com", "password", "right password 1")).Env(t)
	sid, _ := e.Response["created_session_id"].(string)
	if sid == "" {
		t.Fatalf("sign-in: %v", e.Response)
	}
	if r, jwt := token(t, b, sid); r.Status != 200 || jwt == "" {
		t.Fatalf("token before: %d", r.Status)
	}
	s.App.Store.Close()
	checks := []struct {
		name string
		r    *apitest.Response
	}{
		{"token refresh", b.Call("POST", "/v1/client/sessions/"+sid+"/tokens", form("organization_id", ""))},
		{"GET /v1/client", b.Call("GET", "/v1/client", nil)},
		{"new sign-in", s.NewBrowser().Call("POST", "/v1/client/sign_ins", form("identifier", "dbdown@example.com", "password", "right password 1"))},
		{"BAPI", s.BAPI("GET", "/users?limit=1", nil)},
	}
	for _, c := range checks {
		if c.r.Status != 503 && c.r.Status != 401 {
			t.Errorf("%s with the database down: %d %s (want 503, or 401 for an unverifiable client)", c.name, c.r.Status, c.r.Body)
		}
		if strings.Contains(string(c.r.Body), `"jwt":"ey`) || c.r.Header.Get("Set-Cookie") != "" && strings.Contains(c.r.Header.Get("Set-Cookie"), "__session=ey") {
			t.Errorf("%s handed out a token with the database down", c.name)
		}
	}
	if r := s.Do("GET", "/readyz", nil, nil); r.Status != 503 {
		t.Errorf("/readyz with the database down: %d", r.Status)
	}
}
