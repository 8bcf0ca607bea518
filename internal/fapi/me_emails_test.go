package fapi_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Adding an email address from the frontend: unverified until its code is
// entered, it signs no one in, it cannot be made primary, and it does not
// squat the address for its real owner.
func TestMyEmailAddresses(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		b := s.NewBrowser()
		signUp(t, s, b, "owner+clerk_test@example.com")
		add := b.Call("POST", "/v1/me/email_addresses", form("email_address", "second+clerk_test@example.com")).Env(t)
		id, _ := add.Response["id"].(string)
		if id == "" || add.Response["verification"] == nil && add.Response["object"] != "email_address" {
			t.Fatalf("add: %v", add.Response)
		}
		// Unverified: no sign-in with it, not primary.
		if r := b.Call("PATCH", "/v1/me", form("primary_email_address_id", id)); r.Status != 422 {
			t.Fatalf("unverified address made primary: %d %s", r.Status, r.Body)
		}
		if r := s.NewBrowser().Call("POST", "/v1/client/sign_ins", form("identifier", "second+clerk_test@example.com", "password", "handshake pass 1")); r.ErrorCode() != "form_password_incorrect" {
			t.Fatalf("an unverified address: %d %s (want the answer an unknown address gets)", r.Status, r.Body)
		}
		// Verify with the code (424242 for +clerk_test in development).
		if r := b.Call("POST", "/v1/me/email_addresses/"+id+"/prepare_verification", form("strategy", "email_code")); r.Status != 200 {
			t.Fatalf("prepare: %d %s", r.Status, r.Body)
		}
		if r := b.Call("POST", "/v1/me/email_addresses/"+id+"/attempt_verification", form("code", "000000")); r.ErrorCode() != "form_code_incorrect" {
			t.Fatalf("wrong code: %d %s", r.Status, r.Body)
		}
		v := b.Call("POST", "/v1/me/email_addresses/"+id+"/attempt_verification", form("code", "424242")).Env(t)
		if ver, _ := v.Response["verification"].(map[string]any); ver["status"] != "verified" {
			t.Fatalf("attempt: %v", v.Response)
		}
		if r := b.Call("POST", "/v1/me/email_addresses/"+id+"/attempt_verification", form("code", "424242")); r.Status != 422 {
			t.Fatalf("second verification accepted: %d", r.Status)
		}
		// Now it signs in, can be primary, and the old primary can be removed.
		e := s.NewBrowser().Call("POST", "/v1/client/sign_ins", form("identifier", "second+clerk_test@example.com", "password", "handshake pass 1")).Env(t)
		if e.Response["status"] != "complete" {
			t.Fatalf("verified address does not sign in: %v", e.Response)
		}
		me := b.Call("GET", "/v1/me", nil).Env(t).Response
		oldPrimary := me["primary_email_address_id"].(string)
		if r := b.Call("DELETE", "/v1/me/email_addresses/"+oldPrimary, nil); r.Status != 422 {
			t.Fatalf("primary removed: %d %s", r.Status, r.Body)
		}
		if r := b.Call("PATCH", "/v1/me", form("primary_email_address_id", id)); r.Status != 200 {
			t.Fatalf("make primary: %d %s", r.Status, r.Body)
		}
		if r := b.Call("DELETE", "/v1/me/email_addresses/"+oldPrimary, nil); r.Status != 200 {
			t.Fatalf("remove old primary: %d %s", r.Status, r.Body)
		}
		// Someone else's address added unverified does not block its owner for
		// long; a verified one does.
		if r := b.Call("POST", "/v1/me/email_addresses", form("email_address", "second+clerk_test@example.com")); r.ErrorCode() != "form_identifier_exists" {
			t.Fatalf("adding an address the account has: %d %s", r.Status, r.Body)
		}
		squat := b.Call("POST", "/v1/me/email_addresses", form("email_address", "victim@example.com")).Env(t).Response["id"].(string)
		_ = squat
		victim := s.NewBrowser()
		if r := victim.Call("POST", "/v1/client/sign_ups", form("email_address", "victim@example.com", "password", "victim pass 12")); r.ErrorCode() != "form_identifier_exists" {
			t.Fatalf("held address during its 10-minute hold: %d %s", r.Status, r.Body)
		}
		// Simulate the hold running out: the squatted row's hold ends in the past.
		if err := s.App.Store.Tx(t.Context(), func(q *store.Q) error {
			return q.ExecRaw(t.Context(), "UPDATE identifications SET verification_expire_at = 1 WHERE id = ?", squat)
		}); err != nil {
			t.Fatal(err)
		}
		if r := victim.Call("POST", "/v1/client/sign_ups", form("email_address", "victim@example.com", "password", "victim pass 12")); r.Status != 200 {
			t.Fatalf("the owner could not claim an address held past its hold: %d %s", r.Status, r.Body)
		}
	})
}
