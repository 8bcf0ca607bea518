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

// POST /users refuses input that would store something other than what was
// sent or that would look like another user's identifier: a null body,
// invalid UTF-8, invisible characters in an email, a homoglyph username
// (docs/backend-api.md, "Identifier characters"). Nothing is written.
func TestCreateUserRefusesLookAlikeAndBrokenText(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		if r := s.BAPI("POST", "/users", map[string]any{"email_address": []string{"admin@example.com"}, "username": "admin"}); r.Status != 200 {
			t.Fatalf("seed: %d %s", r.Status, r.Body)
		}
		cases := []struct {
			name   string
			body   string
			status int
			code   string
			param  string
		}{
			{"null body", `null`, 400, "malformed_request", ""},
			{"invalid utf8 name", "{\"first_name\":\"Ad\xe9\"}", 422, "form_param_format_invalid", "first_name"},
			{"invalid utf8 email", "{\"email_address\":[\"ad\xe9@example.com\"]}", 422, "form_param_format_invalid", "email_address"},
			{"zero-width space email", `{"email_address":["ad\u200bmin@example.com"]}`, 422, "form_param_format_invalid", "email_address"},
			{"bidi override email", `{"email_address":["\u202eadmin@example.com"]}`, 422, "form_param_format_invalid", "email_address"},
			{"cyrillic a username", `{"username":"\u0430dmin"}`, 422, "form_param_format_invalid", "username"},
			{"all-cyrillic username", `{"username":"\u0430\u0434\u043c\u0438\u043d"}`, 422, "form_param_format_invalid", "username"},
			{"greek alpha username", `{"username":"\u0391dmin"}`, 422, "form_param_format_invalid", "username"},
			{"case variant username", `{"username":"ADMIN"}`, 422, "form_identifier_exists", "username"},
			{"full-width username", `{"username":"\uff41\uff44\uff4d\uff49\uff4e"}`, 422, "form_identifier_exists", "username"},
			{"bidi override name", `{"first_name":"\u202enimda"}`, 422, "form_param_format_invalid", "first_name"},
			{"nul in metadata", `{"unsafe_metadata":{"a":"\u0000"}}`, 422, "form_param_format_invalid", "unsafe_metadata"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				env := clerkError(t, s.BAPI("POST", "/users", c.body), c.status)
				if e := env.Errors[0]; e.Code != c.code || (c.param != "" && e.Meta["param_name"] != c.param) {
					t.Fatalf("got %s %v, want %s on %q", e.Code, e.Meta, c.code, c.param)
				}
			})
		}
		// Updates follow the same rules.
		id := s.BAPI("POST", "/users", map[string]any{"email_address": []string{"other@example.com"}}).Map(t)["id"].(string)
		for _, body := range []string{`{"username":"\u0430dmin"}`, `{"username":"adm\u200bin"}`, "{\"last_name\":\"\xff\"}"} {
			if r := s.BAPI("PATCH", "/users/"+id, body); r.Status != 422 {
				t.Fatalf("update %s: %d %s", body, r.Status, r.Body)
			}
		}
		if c := s.BAPI("GET", "/users/count", nil).Map(t); c["total_count"] != float64(2) {
			t.Fatalf("refused creates wrote users: %v", c)
		}
		noErrorLogs(t, s)
	})
}
