package bapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse/gatehouse/internal/apitest"
)

func TestUserLifecycle(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		r := s.BAPI("POST", "/users", map[string]any{
			"email_address": []string{"Grace@Example.COM"}, "password": "correct horse battery", "first_name": "Grace",
			"username": "ghopper", "public_metadata": map[string]any{"role": "admin", "prefs": map[string]any{"theme": "dark", "lang": "en"}},
			"private_metadata": map[string]any{"stripe": "cus_1"}})
		if r.Status != 200 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q, want exactly application/json", ct)
		}
		u := r.Map(t)
		id := u["id"].(string)
		if u["object"] != "user" || !strings.HasPrefix(id, "user_") || u["password_enabled"] != true || u["username"] != "ghopper" {
			t.Fatalf("created user: %s", r.Body)
		}
		emails := u["email_addresses"].([]any)
		e0 := emails[0].(map[string]any)
		if e0["object"] != "email_address" || e0["email_address"] != "Grace@Example.COM" || u["primary_email_address_id"] != e0["id"] ||
			e0["verification"].(map[string]any)["status"] != "verified" {
			t.Fatalf("email: %v", e0)
		}
		for _, k := range []string{"created_at", "updated_at"} {
			if v, ok := u[k].(float64); !ok || v < 1e12 {
				t.Fatalf("%s must be Unix ms, got %v", k, u[k])
			}
		}

		// Same email differently cased / full-width is taken.
		for _, dup := range []string{"grace@example.com", "ＧＲＡＣＥ@example.com"} {
			r = s.BAPI("POST", "/users", map[string]any{"email_address": []string{dup}})
			if r.Status != 422 || r.ErrorCode() != "form_identifier_exists" {
				t.Fatalf("duplicate %q: %d %s", dup, r.Status, r.Body)
			}
		}
		if r = s.BAPI("POST", "/users", map[string]any{"email_address": []string{"x@y.test"}, "username": "GHopper"}); r.ErrorCode() != "form_identifier_exists" {
			t.Fatalf("duplicate username: %d %s", r.Status, r.Body)
		}

		// Get, list, count.
		if r = s.BAPI("GET", "/users/"+id, nil); r.Status != 200 || r.Map(t)["private_metadata"].(map[string]any)["stripe"] != "cus_1" {
			t.Fatalf("get: %d %s", r.Status, r.Body)
		}
		r = s.BAPI("GET", "/users?email_address=GRACE@example.com&limit=5", nil)
		var list []map[string]any
		r.JSON(t, &list)
		if len(list) != 1 || list[0]["id"] != id {
			t.Fatalf("list by email: %s", r.Body)
		}
		if r = s.BAPI("GET", "/users/count?query=grace", nil); r.Map(t)["total_count"].(float64) != 1 || r.Map(t)["object"] != "total_count" {
			t.Fatalf("count: %s", r.Body)
		}

		// Deep merge: nested merge, null deletes at depth.
		r = s.BAPI("PATCH", "/users/"+id+"/metadata", map[string]any{
			"public_metadata": map[string]any{"prefs": map[string]any{"lang": nil, "tz": "UTC"}, "plan": "pro"}})
		pm := r.Map(t)["public_metadata"].(map[string]any)
		prefs := pm["prefs"].(map[string]any)
		if pm["role"] != "admin" || pm["plan"] != "pro" || prefs["theme"] != "dark" || prefs["tz"] != "UTC" || prefs["lang"] != nil {
			t.Fatalf("deep merge: %s", r.Body)
		}
		if _, has := prefs["lang"]; has {
			t.Fatalf("null must delete the key: %v", prefs)
		}
		// PUT replaces the field given and leaves others alone.
		r = s.BAPI("PUT", "/users/"+id+"/metadata", map[string]any{"public_metadata": map[string]any{"only": 1}})
		m := r.Map(t)
		if len(m["public_metadata"].(map[string]any)) != 1 || m["private_metadata"].(map[string]any)["stripe"] != "cus_1" {
			t.Fatalf("replace: %s", r.Body)
		}

		// Update: names, null clears.
		r = s.BAPI("PATCH", "/users/"+id, map[string]any{"last_name": "Hopper", "first_name": nil})
		m = r.Map(t)
		if m["last_name"] != "Hopper" || m["first_name"] != nil {
			t.Fatalf("update: %s", r.Body)
		}

		// verify_password.
		if r = s.BAPI("POST", "/users/"+id+"/verify_password", map[string]any{"password": "correct horse battery"}); r.Status != 200 || r.Map(t)["verified"] != true {
			t.Fatalf("verify ok: %d %s", r.Status, r.Body)
		}
		if r = s.BAPI("POST", "/users/"+id+"/verify_password", map[string]any{"password": "wrong password!"}); r.Status != 422 || r.ErrorCode() != "form_password_incorrect" {
			t.Fatalf("verify wrong: %d %s", r.Status, r.Body)
		}

		// Ban/unban, lock/unlock.
		if r = s.BAPI("POST", "/users/"+id+"/ban", nil); r.Map(t)["banned"] != true {
			t.Fatalf("ban: %s", r.Body)
		}
		if r = s.BAPI("GET", "/users?banned=true", nil); !strings.Contains(string(r.Body), id) {
			t.Fatalf("banned filter: %s", r.Body)
		}
		if r = s.BAPI("POST", "/users/"+id+"/unban", nil); r.Map(t)["banned"] != false {
			t.Fatalf("unban: %s", r.Body)
		}
		r = s.BAPI("POST", "/users/"+id+"/lock", nil)
		m = r.Map(t)
		if m["locked"] != true || m["lockout_expires_in_seconds"].(float64) < 3500 {
			t.Fatalf("lock: %s", r.Body)
		}
		if r = s.BAPI("POST", "/users/"+id+"/unlock", nil); r.Map(t)["locked"] != false || r.Map(t)["lockout_expires_in_seconds"] != nil {
			t.Fatalf("unlock: %s", r.Body)
		}

		// Delete.
		if r = s.BAPI("DELETE", "/users/"+id, nil); r.Status != 200 || r.Map(t)["deleted"] != true || r.Map(t)["object"] != "user" {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if r = s.BAPI("GET", "/users/"+id, nil); r.Status != 404 || r.ErrorCode() != "resource_not_found" {
			t.Fatalf("get deleted: %d %s", r.Status, r.Body)
		}
		// The email is free again.
		if r = s.BAPI("POST", "/users", map[string]any{"email_address": []string{"grace@example.com"}}); r.Status != 200 {
			t.Fatalf("recreate: %d %s", r.Status, r.Body)
		}
	})
}

func TestImportedDigestIsVerifiedAndRehashed(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	raw, err := bcrypt.GenerateFromPassword([]byte("imported-password"), 4)
	if err != nil {
		t.Fatal(err)
	}
	digest := string(raw)
	r := s.BAPI("POST", "/users", map[string]any{"email_address": []string{"imp@example.com"}, "password_digest": digest, "password_hasher": "bcrypt"})
	if r.Status != 200 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	id := r.Map(t)["id"].(string)
	if r = s.BAPI("POST", "/users/"+id+"/verify_password", map[string]any{"password": "imported-password"}); r.Status != 200 {
		t.Fatalf("verify imported: %d %s", r.Status, r.Body)
	}
	u, err := s.App.Users.Get(t.Context(), id)
	if err != nil || !strings.HasPrefix(u.PasswordDigest, "$argon2id$") {
		t.Fatalf("digest not rehashed to argon2id: %q %v", u.PasswordDigest, err)
	}
	if r = s.BAPI("POST", "/users/"+id+"/verify_password", map[string]any{"password": "imported-password"}); r.Status != 200 {
		t.Fatalf("verify after rehash: %d %s", r.Status, r.Body)
	}
	for _, c := range []struct{ hasher, digest, code string }{
		{"bcrypt", "not-a-digest", "password_digest_invalid"},
		{"md4_home_made", "abc", "password_hasher_unsupported"},
	} {
		r = s.BAPI("POST", "/users", map[string]any{"email_address": []string{"x" + c.hasher + "@example.com"}, "password_digest": c.digest, "password_hasher": c.hasher})
		if r.Status != 422 || r.ErrorCode() != c.code {
			t.Fatalf("%s: %d %s", c.hasher, r.Status, r.Body)
		}
	}
}

func TestConcurrentCreatesOfOneEmailYieldOneUser(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		var wg sync.WaitGroup
		codes := make([]int, 8)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = s.BAPI("POST", "/users", map[string]any{"email_address": []string{"race@example.com"}, "username": fmt.Sprintf("racer%d", i)}).Status
			}()
		}
		wg.Wait()
		ok := 0
		for _, c := range codes {
			switch c {
			case 200:
				ok++
			case 422:
			default:
				t.Fatalf("unexpected status %d (all: %v)", c, codes)
			}
		}
		if ok != 1 {
			t.Fatalf("want exactly one success, got %v", codes)
		}
		if r := s.BAPI("GET", "/users/count", nil); r.Map(t)["total_count"].(float64) != 1 {
			t.Fatalf("count: %s", r.Body)
		}
	})
}

func TestJWKS(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	r := s.BAPI("GET", "/jwks", nil)
	var body struct {
		Keys []map[string]string `json:"keys"`
	}
	r.JSON(t, &body)
	if r.Status != http.StatusOK || len(body.Keys) != 1 {
		t.Fatalf("jwks: %d %s", r.Status, r.Body)
	}
	k := body.Keys[0]
	if k["alg"] != "RS256" || k["use"] != "sig" || k["kty"] != "RSA" || k["e"] != "AQAB" || !strings.HasPrefix(k["kid"], "ins_") || len(k["n"]) < 300 {
		t.Fatalf("jwk: %v", k)
	}
	kid, err := s.App.Instance.RotateSigningKey(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	r = s.BAPI("GET", "/jwks", nil)
	r.JSON(t, &body)
	if len(body.Keys) != 2 || body.Keys[0]["kid"] != kid {
		t.Fatalf("after rotation want new key first and old still published: %s", r.Body)
	}
}
