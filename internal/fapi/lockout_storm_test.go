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
