package fapi_test

import (
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
)

// 200 concurrent wrong-password attempts on one account: the server answers
// every one, exactly ten are judged (nine incorrect, the tenth locks), and
// the rest are refused as locked without a verdict on the password.
func TestLockoutUnderConcurrentAttempts(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		s.BAPI("POST", "/users", map[string]any{"email_address": []string{"storm@example.com"}, "password": "right password 1"})
		const n = 200
		browsers := make([]*apitest.Browser, n)
		ids := make([]string, n)
		for i := range browsers {
			browsers[i] = s.NewBrowser()
			ids[i] = browsers[i].Call("POST", "/v1/client/sign_ins", form("identifier", "storm@example.com")).Env(t).Response["id"].(string)
		}
		codes := map[string]int{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range browsers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := browsers[i].Call("POST", "/v1/client/sign_ins/"+ids[i]+"/attempt_first_factor", form("strategy", "password", "password", "wrong guess"))
				mu.Lock()
				codes[r.ErrorCode()]++
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
		if codes["form_password_incorrect"] != 9 || codes["user_locked"] != n-9 {
			t.Fatalf("responses: %v; want 9 form_password_incorrect and %d user_locked", codes, n-9)
		}
		if r := s.Do("GET", "/healthz", nil, nil); r.Status != 200 {
			t.Fatalf("server unhealthy after the storm: %d", r.Status)
		}
	})
}

// One counter over every factor: five wrong passwords and five wrong email
// codes (on a second sign-in, through another identifier of the same
// account) lock the account at the tenth failure (ZITADEL CVE-2024-32868,
// Authelia CVE-2025-24806).
func TestLockoutCountsCodesAndPasswordsTogether(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	var u struct{ ID string }
	s.BAPI("POST", "/users", map[string]any{"email_address": []string{"mixed@example.com"}, "username": "mixeduser", "password": "right password 1"}).JSON(t, &u)
	b := s.NewBrowser()
	id := b.Call("POST", "/v1/client/sign_ins", form("identifier", "mixeduser")).Env(t).Response["id"].(string)
	for i := 1; i <= 5; i++ {
		if r := b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", "wrong")); r.ErrorCode() != "form_password_incorrect" {
			t.Fatalf("password %d: %s", i, r.Body)
		}
	}
	b2 := s.NewBrowser()
	id2 := b2.Call("POST", "/v1/client/sign_ins", form("identifier", "mixed@example.com")).Env(t).Response["id"].(string)
	b2.Call("POST", "/v1/client/sign_ins/"+id2+"/prepare_first_factor", form("strategy", "email_code")).Env(t)
	for i := 6; i <= 10; i++ {
		r := b2.Call("POST", "/v1/client/sign_ins/"+id2+"/attempt_first_factor", form("strategy", "email_code", "code", "000000"))
		want := "form_code_incorrect"
		if i == 10 {
			want = "user_locked"
		}
		if r.ErrorCode() != want {
			t.Fatalf("failure %d: %d %s (want %s)", i, r.Status, r.Body, want)
		}
	}
	if r := b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", "right password 1")); r.ErrorCode() != "user_locked" {
		t.Fatalf("right password after mixed failures: %d %s", r.Status, r.Body)
	}
}
