package fapi_test

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/apitest"
)

// Every event type reaches a verifying receiver with Clerk's envelope and
// data shaped like the Backend API objects, driven by what a person does
// through the Frontend API and an admin through the Backend API.
func TestWebhookEvents(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		rcv := apitest.NewReceiver(t)
		epID := s.AddEndpoint(rcv)
		s.RunDispatcher()
		start := time.Now()

		b := s.NewBrowser()
		const email, pw = "hook.user@example.com", "hook password 1"
		su := b.Call("POST", "/v1/client/sign_ups", form("email_address", email, "password", pw)).Env(t).Response
		b.Call("POST", "/v1/client/sign_ups/"+su["id"].(string)+"/prepare_verification", form("strategy", "email_code")).Env(t)
		otp := code(t, s, email)
		e := b.Call("POST", "/v1/client/sign_ups/"+su["id"].(string)+"/attempt_verification", form("strategy", "email_code", "code", otp)).Env(t)
		sid1 := e.Response["created_session_id"].(string)
		userID := e.Client["sessions"].([]any)[0].(map[string]any)["user"].(map[string]any)["id"].(string)
		b.Call("PATCH", "/v1/me", form("first_name", "Hook")).Env(t)
		bapiUser := s.BAPI("GET", "/users/"+userID, nil).Map(t)
		bapiSession := s.BAPI("GET", "/sessions/"+sid1, nil).Map(t)
		b.Call("POST", "/v1/client/sessions/"+sid1+"/remove", nil).Env(t)

		signIn := func() string {
			si := b.Call("POST", "/v1/client/sign_ins", form("identifier", email)).Env(t).Response
			e := b.Call("POST", "/v1/client/sign_ins/"+si["id"].(string)+"/attempt_first_factor", form("strategy", "password", "password", pw)).Env(t)
			return e.Response["created_session_id"].(string)
		}
		sid2 := signIn()
		b.Call("DELETE", "/v1/client/sessions", nil).Env(t)
		sid3 := signIn()
		if r := s.BAPI("POST", "/sessions/"+sid3+"/revoke", nil); r.Status != 200 {
			t.Fatalf("revoke: %d %s", r.Status, r.Body)
		}
		if r := s.BAPI("DELETE", "/users/"+userID, nil); r.Status != 200 {
			t.Fatalf("delete user: %d %s", r.Status, r.Body)
		}

		want := map[string]int{"email.created": 1, "user.created": 1, "user.updated": 1, "session.created": 3, "session.removed": 1,
			"session.ended": 1, "session.revoked": 1, "user.deleted": 1}
		total := 0
		for _, n := range want {
			total += n
		}
		ds := rcv.WaitFor(t, "every event", 10*time.Second, func(ds []apitest.Delivery) bool { return len(ds) >= total })
		time.Sleep(300 * time.Millisecond) // nothing more may arrive
		ds = rcv.Deliveries()
		got := map[string]int{}
		ids := map[string]bool{}
		for _, d := range ds {
			got[d.Type()]++
			if !d.Valid {
				t.Errorf("%s: signature does not verify: id=%s ts=%s sig=%s", d.Type(), d.ID, d.Timestamp, d.Signature)
			}
			if ids[d.ID] || !strings.HasPrefix(d.ID, "msg_") {
				t.Errorf("svix-id %q repeated or malformed", d.ID)
			}
			ids[d.ID] = true
			ev := d.Event
			ts, _ := ev["timestamp"].(float64)
			if ev["object"] != "event" || ev["instance_id"] != s.App.Instance.ID() || int64(ts) < start.UnixMilli()-1000 || int64(ts) > time.Now().UnixMilli() {
				t.Errorf("%s envelope: %v", d.Type(), ev)
			}
			hr, _ := ev["event_attributes"].(map[string]any)["http_request"].(map[string]any)
			if hr["client_ip"] != "127.0.0.1" || hr["user_agent"] == "" {
				t.Errorf("%s event_attributes: %v", d.Type(), ev["event_attributes"])
			}
		}
		if !maps.Equal(got, want) {
			t.Fatalf("event counts: got %v, want %v", got, want)
		}

		for _, d := range ds {
			data := d.Data()
			switch typ := d.Type(); typ {
			case "user.created", "user.updated":
				if !slices.Equal(sortedKeys(data), sortedKeys(bapiUser)) || data["id"] != userID || data["object"] != "user" {
					t.Errorf("%s data keys %v differ from the Backend API user %v", typ, sortedKeys(data), sortedKeys(bapiUser))
				}
				if typ == "user.updated" && data["first_name"] != "Hook" {
					t.Errorf("user.updated first_name: %v", data["first_name"])
				}
				if data["private_metadata"] == nil {
					t.Errorf("%s must carry private_metadata like the Backend API", typ)
				}
			case "user.deleted":
				if !maps.Equal(data, map[string]any{"object": "user", "id": userID, "deleted": true}) {
					t.Errorf("user.deleted data: %v", data)
				}
			case "email.created":
				inner, _ := data["data"].(map[string]any)
				if data["object"] != "email" || data["to_email_address"] != email || data["slug"] != "verification_code" || inner["otp_code"] != otp ||
					!strings.Contains(data["body"].(string), otp) || !strings.Contains(data["body_plain"].(string), otp) || data["delivered_by_clerk"] != true ||
					data["from_email_name"] == "" {
					t.Errorf("email.created data: %v", data)
				}
			default: // session.*
				if !slices.Equal(sortedKeys(data), sortedKeys(bapiSession)) || data["user_id"] != userID || data["object"] != "session" {
					t.Errorf("%s data keys %v differ from the Backend API session %v", typ, sortedKeys(data), sortedKeys(bapiSession))
				}
				wantStatus := map[string]string{"session.created": "active", "session.removed": "removed", "session.ended": "ended", "session.revoked": "revoked"}[typ]
				if data["status"] != wantStatus {
					t.Errorf("%s status %v, want %s", typ, data["status"], wantStatus)
				}
				if typ == "session.ended" && data["id"] != sid2 || typ == "session.removed" && data["id"] != sid1 || typ == "session.revoked" && data["id"] != sid3 {
					t.Errorf("%s for the wrong session: %v", typ, data["id"])
				}
			}
		}

		// The delivery log shows every attempt.
		var log *apitest.Response
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			// The dispatcher records a batch's attempts after its sends: poll.
			if log = s.BAPI("GET", "/webhooks/attempts?endpoint_id="+epID+"&limit=500", nil); strings.Contains(string(log.Body), `"total_count":`+strconv.Itoa(total)) {
				break
			}
		}
		var attempts struct {
			Data []struct {
				StatusCode     int    `json:"status_code"`
				DeliveryStatus string `json:"delivery_status"`
				EndpointID     string `json:"endpoint_id"`
			}
			TotalCount int `json:"total_count"`
		}
		log.JSON(t, &attempts)
		if log.Status != 200 || attempts.TotalCount != total {
			t.Fatalf("attempts: %d %s", log.Status, log.Body)
		}
		for _, a := range attempts.Data {
			if a.StatusCode != 204 || a.DeliveryStatus != "delivered" || a.EndpointID != epID {
				t.Fatalf("attempt: %+v", a)
			}
		}
	})
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
