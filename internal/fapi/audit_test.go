package fapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/store"
)

type auditEvent = store.AuditEvent // the Backend API answers these rows as JSON

func auditList(t *testing.T, s *apitest.Server, query string) ([]auditEvent, int, string) {
	t.Helper()
	r := s.BAPI("GET", "/audit_events?"+query, nil)
	if r.Status != 200 {
		t.Fatalf("GET /audit_events?%s: %d %s", query, r.Status, r.Body)
	}
	var out struct {
		Data       []auditEvent `json:"data"`
		TotalCount int          `json:"total_count"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatal(err)
	}
	return out.Data, out.TotalCount, string(r.Body)
}

func countTypes(evs []auditEvent) map[string]int {
	m := map[string]int{}
	for _, e := range evs {
		m[e.Type]++
	}
	return m
}

// Security events land in the audit log with who, what and from where, are
// filterable through the Backend API, and never carry a secret.
func TestAuditLog(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		const pw1, pw2 = "audit password 1", "audit password 2"
		var u struct{ ID string }
		s.BAPI("POST", "/users", map[string]any{"email_address": []string{"audit@example.com"}, "password": pw1}).JSON(t, &u)
		start := time.Now().UnixMilli()

		b := s.NewBrowser()
		id := b.Call("POST", "/v1/client/sign_ins", form("identifier", "audit@example.com")).Env(t).Response["id"].(string)
		for range 2 {
			b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", "wrong "+pw1))
		}
		e := b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", pw1)).Env(t)
		sid := e.Response["created_session_id"].(string)
		_, jwt := token(t, b, sid)
		if r := b.Call("POST", "/v1/me/change_password", form("current_password", pw1, "new_password", pw2)); r.Status != 200 {
			t.Fatalf("change password: %d %s", r.Status, r.Body)
		}
		s.BAPI("POST", "/users/"+u.ID+"/ban", nil)
		s.BAPI("POST", "/users/"+u.ID+"/unban", nil)
		// An account without one: failures are recorded without a user.
		nb := s.NewBrowser()
		nid := nb.Call("POST", "/v1/client/sign_ins", form("identifier", "ghost@example.com")).Env(t).Response["id"].(string)
		nb.Call("POST", "/v1/client/sign_ins/"+nid+"/attempt_first_factor", form("strategy", "password", "password", "ghost guess 1"))
		// Ten failures lock the account: one user.locked event.
		lb := s.NewBrowser()
		lid := lb.Call("POST", "/v1/client/sign_ins", form("identifier", "audit@example.com")).Env(t).Response["id"].(string)
		for range 12 {
			lb.Call("POST", "/v1/client/sign_ins/"+lid+"/attempt_first_factor", form("strategy", "password", "password", "still wrong 1"))
		}
		if _, err := s.App.Instance.RotateSigningKey(context.Background()); err != nil {
			t.Fatal(err)
		}

		mine, total, _ := auditList(t, s, "user_id="+u.ID+"&limit=500")
		if total != len(mine) {
			t.Fatalf("total_count %d, %d events", total, len(mine))
		}
		got := countTypes(mine)
		want := map[string]int{"sign_in.failed": 12, "sign_in.succeeded": 1, "password.changed": 1, "user.banned": 1,
			"user.unbanned": 1, "session.revoked": 1, "user.locked": 1}
		for typ, n := range want {
			if got[typ] != n {
				t.Errorf("%s: %d events, want %d (all: %v)", typ, got[typ], n, got)
			}
		}
		for _, ev := range mine {
			if ev.IP != "127.0.0.1" || !strings.HasPrefix(ev.UserAgent, "Go-http-client") || ev.CreatedAt < start {
				t.Errorf("event %s lacks request context: %+v", ev.Type, ev)
			}
			if ev.Type == "sign_in.succeeded" && (ev.SessionID == nil || *ev.SessionID != sid || ev.Data["strategy"] != "password") {
				t.Errorf("sign_in.succeeded: %+v", ev)
			}
			if ev.Type == "user.locked" && ev.Data["reason"] != "failed_attempts" {
				t.Errorf("user.locked: %+v", ev)
			}
		}

		// Filters: by type (repeatable and comma lists), by time, paging.
		fails, n, _ := auditList(t, s, "type=sign_in.failed&limit=5")
		if n != 13 || len(fails) != 5 {
			t.Fatalf("type filter: %d of %d (want 5 of 13: 12 for the account, 1 without one)", len(fails), n)
		}
		two, n2, _ := auditList(t, s, "type=user.banned,user.unbanned&type=signing_key.rotated")
		if n2 != 3 || countTypes(two)["signing_key.rotated"] != 1 {
			t.Fatalf("multi-type filter: %v", countTypes(two))
		}
		later, _, _ := auditList(t, s, fmt.Sprintf("since=%d", time.Now().Add(time.Hour).UnixMilli()))
		if len(later) != 0 {
			t.Fatalf("since in the future returned %d events", len(later))
		}
		page2, _, _ := auditList(t, s, "type=sign_in.failed&limit=5&offset=5")
		if len(page2) != 5 || page2[0].ID == fails[0].ID {
			t.Fatal("offset paging returned the first page again")
		}
		if r := s.BAPI("GET", "/audit_events?limit=0", nil); r.Status != 422 && r.Status != 400 {
			t.Fatalf("limit=0: %d", r.Status)
		}

		// No secret anywhere in the log.
		_, _, all := auditList(t, s, "limit=500")
		for _, secret := range []string{pw1, pw2, "still wrong", "ghost guess", jwt, s.SecretKey, b.Cookie("__client")} {
			if secret != "" && strings.Contains(all, secret) {
				t.Fatalf("the audit log contains a secret (%.12s…)", secret)
			}
		}
		if !strings.Contains(all, `"secret_key.used"`) {
			t.Fatal("secret-key use was not recorded")
		}
	})
}
