package fapi_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
)

// clerk-js builds a resource's path as "<root>/<id>", so creating one (no id
// yet) posts to a path with a trailing slash: <UserProfile/>'s "Add email
// address" sends POST /v1/me/email_addresses/ (clerk-js 6.40.0). Clerk's FAPI
// accepts it; a 404 there broke the component.
func TestTrailingSlashRoutes(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		b := s.NewBrowser()
		signUp(t, s, b, "slash+clerk_test@example.com")
		add := b.Call("POST", "/v1/me/email_addresses/", form("email_address", "slash-second+clerk_test@example.com"))
		if add.Status != 200 {
			t.Fatalf("POST /v1/me/email_addresses/: %d %s", add.Status, add.Body)
		}
		id := add.Env(t).Response["id"].(string)
		if r := b.Call("POST", "/v1/me/email_addresses/"+id+"/prepare_verification/", form("strategy", "email_code")); r.Status != 200 {
			t.Fatalf("prepare with a trailing slash: %d %s", r.Status, r.Body)
		}
		if r := b.Call("GET", "/v1/environment/", nil); r.Status != 200 {
			t.Fatalf("GET /v1/environment/: %d %s", r.Status, r.Body)
		}
		// Still a 404 with Clerk's envelope for unknown routes, slash or not.
		for _, p := range []string{"/v1/nope/", "/v1/nope"} {
			if r := b.Call("GET", p, nil); r.Status != 404 {
				t.Fatalf("GET %s: %d %s", p, r.Status, r.Body)
			}
		}
	})
}
