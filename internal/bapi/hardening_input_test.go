package bapi_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
)

// outboxEvents returns the event types in the webhook outbox and the data
// of each, oldest first.
func outboxEvents(t *testing.T, s *apitest.Server) ([]string, []map[string]any) {
	t.Helper()
	msgs, err := s.App.Store.Q().MessagesSince(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	var data []map[string]any
	for _, m := range msgs {
		var env struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(m.Payload, &env); err != nil {
			t.Fatal(err)
		}
		types, data = append(types, m.EventType), append(data, env.Data)
	}
	return types, data
}

// POST /users with banned/locked creates the user in that state in one
// transaction: one user.created event carrying banned/locked, no
// user.updated; a create that fails writes nothing at all.
func TestCreateBannedLockedUserIsOneTransaction(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		s.AddEndpoint(apitest.NewReceiver(t)) // every event type; the dispatcher is not running
		r := s.BAPI("POST", "/users", map[string]any{"email_address": []string{"banned@example.com"}, "banned": true, "locked": true})
		if r.Status != 200 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		u := r.Map(t)
		if u["banned"] != true || u["locked"] != true {
			t.Fatalf("response: %s", r.Body)
		}
		types, data := outboxEvents(t, s)
		if len(types) != 1 || types[0] != "user.created" {
			t.Fatalf("outbox events %v, want exactly one user.created", types)
		}
		if data[0]["id"] != u["id"] || data[0]["banned"] != true || data[0]["locked"] != true {
			t.Fatalf("user.created payload banned=%v locked=%v", data[0]["banned"], data[0]["locked"])
		}
		if g := s.BAPI("GET", "/users/"+u["id"].(string), nil).Map(t); g["banned"] != true || g["locked"] != true {
			t.Fatalf("stored: %v", g)
		}

		// Banned only: the lock fields stay clear.
		r = s.BAPI("POST", "/users", map[string]any{"email_address": []string{"banned2@example.com"}, "banned": true})
		if m := r.Map(t); r.Status != 200 || m["banned"] != true || m["locked"] != false {
			t.Fatalf("banned only: %d %s", r.Status, r.Body)
		}

		// A create that fails (the address is taken) writes nothing: no
		// user, no event.
		r = s.BAPI("POST", "/users", map[string]any{"email_address": []string{"banned@example.com"}, "banned": true, "locked": true})
		if r.Status != 422 || r.ErrorCode() != "form_identifier_exists" {
			t.Fatalf("duplicate: %d %s", r.Status, r.Body)
		}
		if types, _ := outboxEvents(t, s); len(types) != 2 {
			t.Fatalf("outbox after failed create: %v", types)
		}
		if c := s.BAPI("GET", "/users/count", nil).Map(t); c["total_count"] != float64(2) {
			t.Fatalf("count: %v", c)
		}
		noErrorLogs(t, s)
	})
}
