package bapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/apitest"
)

// Endpoints are managed through the Backend API; replay and the delivery
// log work through it too.
func TestWebhookEndpointsAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		rcv := apitest.NewReceiver(t)
		s.RunDispatcher()

		// Bad input: 4xx with the offending parameter, nothing created.
		for _, c := range []struct {
			body  any
			param string
		}{
			{map[string]any{}, "url"},
			{map[string]any{"url": "ftp://x.test/"}, "url"},
			{map[string]any{"url": "https://u:p@x.test/"}, "url"},
			{map[string]any{"url": "https://x.test/", "event_types": []string{"user.exploded"}}, "event_types"},
			{map[string]any{"url": "https://x.test/", "description": strings.Repeat("d", 1001)}, "description"},
			{map[string]any{"url": 5}, "url"},
			{map[string]any{"url": "https://x.test/", "secret": "whsec_mine"}, "secret"},
		} {
			r := s.BAPI("POST", "/webhooks/endpoints", c.body)
			if r.Status != 422 || !strings.Contains(string(r.Body), `"param_name":"`+c.param+`"`) {
				t.Errorf("create %v: %d %s", c.body, r.Status, r.Body)
			}
		}
		if r := s.Do("GET", "/api/v1/webhooks/endpoints", nil, nil); r.Status != 401 {
			t.Fatalf("no secret key: %d", r.Status)
		}

		r := s.BAPI("POST", "/webhooks/endpoints", map[string]any{"url": rcv.URL, "description": "orders service",
			"event_types": []string{"user.created", "user.deleted"}})
		ep := r.Map(t)
		id, secret := ep["id"].(string), ep["secret"].(string)
		if r.Status != 200 || ep["object"] != "webhook_endpoint" || !strings.HasPrefix(id, "ep_") || !strings.HasPrefix(secret, "whsec_") || len(secret) < 6+32 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		rcv.SetSecret(secret)
		// The secret is shown on create, rotate and …/secret only.
		if g := s.BAPI("GET", "/webhooks/endpoints/"+id, nil); g.Status != 200 || strings.Contains(string(g.Body), "whsec_") {
			t.Fatalf("get: %d %s", g.Status, g.Body)
		}
		if l := s.BAPI("GET", "/webhooks/endpoints", nil); l.Status != 200 || strings.Contains(string(l.Body), "whsec_") || !strings.Contains(string(l.Body), `"total_count":1`) {
			t.Fatalf("list: %d %s", l.Status, l.Body)
		}
		if g := s.BAPI("GET", "/webhooks/endpoints/"+id+"/secret", nil); g.Map(t)["secret"] != secret {
			t.Fatalf("secret: %s", g.Body)
		}
		for _, path := range []string{"/webhooks/endpoints/ep_missing", "/webhooks/endpoints/ep_missing/secret"} {
			if g := s.BAPI("GET", path, nil); g.Status != 404 || g.ErrorCode() != "resource_not_found" {
				t.Fatalf("GET %s: %d %s", path, g.Status, g.Body)
			}
		}

		// Only the subscribed types arrive.
		user := s.BAPI("POST", "/users", map[string]any{"email_address": []string{"hooked@example.com"}}).Map(t)
		s.BAPI("PATCH", "/users/"+user["id"].(string), map[string]any{"first_name": "X"})
		ds := rcv.WaitFor(t, "user.created", 5*time.Second, func(ds []apitest.Delivery) bool { return len(ds) == 1 })
		if ds[0].Type() != "user.created" || !ds[0].Valid {
			t.Fatalf("delivery: %+v", ds[0])
		}
		msgID := ds[0].ID

		// Update: subscribe to everything; null-free partial update keeps the rest.
		u := s.BAPI("PATCH", "/webhooks/endpoints/"+id, map[string]any{"event_types": []string{}})
		if u.Status != 200 || u.Map(t)["description"] != "orders service" || strings.Contains(string(u.Body), "whsec_") {
			t.Fatalf("update: %d %s", u.Status, u.Body)
		}
		if u := s.BAPI("PATCH", "/webhooks/endpoints/"+id, map[string]any{"url": "gopher://x"}); u.Status != 422 {
			t.Fatalf("update with a bad url: %d %s", u.Status, u.Body)
		}

		// Disable: nothing is sent; enable: it flows again.
		if d := s.BAPI("POST", "/webhooks/endpoints/"+id+"/disable", nil); d.Map(t)["disabled"] != true {
			t.Fatalf("disable: %s", d.Body)
		}
		s.BAPI("PATCH", "/users/"+user["id"].(string), map[string]any{"first_name": "Y"})
		time.Sleep(400 * time.Millisecond)
		if n := len(rcv.Deliveries()); n != 1 {
			t.Fatalf("a disabled endpoint got deliveries: %d", n)
		}
		s.BAPI("POST", "/webhooks/endpoints/"+id+"/enable", nil)
		s.BAPI("PATCH", "/users/"+user["id"].(string), map[string]any{"first_name": "Z"})
		rcv.WaitFor(t, "user.updated after enable", 5*time.Second, func(ds []apitest.Delivery) bool { return len(ds) == 2 && ds[1].Type() == "user.updated" })

		// Replay one message: same svix-id.
		rp := s.BAPI("POST", "/webhooks/messages/"+msgID+"/replay", nil)
		if rp.Status != 200 || rp.Map(t)["queued"] != float64(1) {
			t.Fatalf("replay: %d %s", rp.Status, rp.Body)
		}
		ds = rcv.WaitFor(t, "replayed message", 5*time.Second, func(ds []apitest.Delivery) bool { return len(ds) == 3 })
		if ds[2].ID != msgID || !ds[2].Valid {
			t.Fatalf("replay delivered %+v", ds[2])
		}
		if rp := s.BAPI("POST", "/webhooks/messages/msg_missing/replay", nil); rp.Status != 404 {
			t.Fatalf("replay unknown: %d %s", rp.Status, rp.Body)
		}

		// Rotate, then replay everything since the start: signed with the new secret.
		rot := s.BAPI("POST", "/webhooks/endpoints/"+id+"/rotate_secret", nil).Map(t)
		if rot["secret"] == secret || !strings.HasPrefix(rot["secret"].(string), "whsec_") {
			t.Fatalf("rotate: %v", rot)
		}
		rcv.SetSecret(rot["secret"].(string))
		for _, bad := range []any{map[string]any{}, map[string]any{"since": -1}, map[string]any{"since": "yesterday"}} {
			if rp := s.BAPI("POST", "/webhooks/endpoints/"+id+"/replay", bad); rp.Status != 422 {
				t.Fatalf("replay since %v: %d %s", bad, rp.Status, rp.Body)
			}
		}
		rp = s.BAPI("POST", "/webhooks/endpoints/"+id+"/replay", map[string]any{"since": 0})
		if rp.Status != 200 || rp.Map(t)["queued"] != float64(2) { // user.created and the user.updated after enabling
			t.Fatalf("replay since: %d %s", rp.Status, rp.Body)
		}
		ds = rcv.WaitFor(t, "replay since", 5*time.Second, func(ds []apitest.Delivery) bool { return len(ds) == 5 })
		for _, d := range ds[3:] {
			if !d.Valid {
				t.Fatal("replay after rotation not signed with the new secret")
			}
		}

		// The delivery log, filtered by message.
		// The dispatcher records a batch's attempts after its sends: poll.
		var log *apitest.Response
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if log = s.BAPI("GET", "/webhooks/attempts?message_id="+msgID, nil); strings.Contains(string(log.Body), `"total_count":3`) {
				break
			}
		}
		if log.Status != 200 || !strings.Contains(string(log.Body), `"total_count":3`) || !strings.Contains(string(log.Body), `"status_code":204`) {
			t.Fatalf("attempts: %d %s", log.Status, log.Body)
		}
		if log := s.BAPI("GET", "/webhooks/attempts?limit=0", nil); log.Status != 422 {
			t.Fatalf("bad limit: %d", log.Status)
		}

		if d := s.BAPI("DELETE", "/webhooks/endpoints/"+id, nil); d.Status != 200 || d.Map(t)["deleted"] != true {
			t.Fatalf("delete: %d %s", d.Status, d.Body)
		}
		if d := s.BAPI("DELETE", "/webhooks/endpoints/"+id, nil); d.Status != 404 {
			t.Fatalf("delete again: %d", d.Status)
		}
	})
}
