// Package compat drives a running Gatehouse with the real clerk-sdk-go v2.
// compat/run.sh starts the server and exports the environment variables.
package compat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/jwks"
	"github.com/clerk/clerk-sdk-go/v2/jwt"
	"github.com/clerk/clerk-sdk-go/v2/user"
)

type server struct {
	url, bapi, secret string
}

func setup(t *testing.T) server {
	s := server{url: os.Getenv("GATEHOUSE_URL"), secret: os.Getenv("GATEHOUSE_SECRET_KEY")}
	if s.url == "" || s.secret == "" {
		t.Skip("GATEHOUSE_URL / GATEHOUSE_SECRET_KEY not set: run through compat/run.sh")
	}
	s.bapi = s.url + "/api/v1"
	return s
}

func (s server) config(key string) *clerk.ClientConfig {
	return &clerk.ClientConfig{BackendConfig: clerk.BackendConfig{Key: clerk.String(key), URL: clerk.String(s.bapi)}}
}

func raw(s string) *json.RawMessage { m := json.RawMessage(s); return &m }

func apiErr(t *testing.T, err error, status int, code string) {
	t.Helper()
	var e *clerk.APIErrorResponse
	if !errors.As(err, &e) {
		t.Fatalf("want *clerk.APIErrorResponse, got %T %v", err, err)
	}
	if e.HTTPStatusCode != status || len(e.Errors) == 0 || e.Errors[0].Code != code || e.TraceID == "" {
		t.Fatalf("want %d %s with a trace id, got %d %+v trace=%q", status, code, e.HTTPStatusCode, e.Errors, e.TraceID)
	}
}

func TestUsers(t *testing.T) {
	s := setup(t)
	ctx := context.Background()
	users := user.NewClient(s.config(s.secret))
	email := fmt.Sprintf("go-%d@example.com", rand.Int64())
	u, err := users.Create(ctx, &user.CreateParams{EmailAddresses: &[]string{email}, Password: clerk.String("go sdk password 1"),
		FirstName: clerk.String("Gopher"), PublicMetadata: raw(`{"role":"admin","prefs":{"theme":"dark","lang":"en"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.ID, "user_") || *u.FirstName != "Gopher" || !u.PasswordEnabled || len(u.EmailAddresses) != 1 ||
		u.EmailAddresses[0].EmailAddress != email || *u.PrimaryEmailAddressID != u.EmailAddresses[0].ID || u.CreatedAt < 1e12 {
		t.Fatalf("created: %+v", u)
	}
	if got, err := users.Get(ctx, u.ID); err != nil || got.ID != u.ID {
		t.Fatalf("get: %v %v", got, err)
	}
	list, err := users.List(ctx, &user.ListParams{EmailAddresses: []string{email}})
	if err != nil || list.TotalCount != 1 || len(list.Users) != 1 || list.Users[0].ID != u.ID {
		t.Fatalf("list: %+v %v", list, err)
	}
	if n, err := users.Count(ctx, &user.ListParams{UserIDs: []string{u.ID}}); err != nil || n.TotalCount != 1 {
		t.Fatalf("count: %+v %v", n, err)
	}
	up, err := users.Update(ctx, u.ID, &user.UpdateParams{LastName: clerk.String("Go")})
	if err != nil || *up.LastName != "Go" {
		t.Fatalf("update: %v", err)
	}
	merged, err := users.UpdateMetadata(ctx, u.ID, &user.UpdateMetadataParams{PublicMetadata: raw(`{"prefs":{"lang":null,"tz":"UTC"},"plan":"pro"}`)})
	if err != nil {
		t.Fatal(err)
	}
	var pm map[string]any
	_ = json.Unmarshal(merged.PublicMetadata, &pm)
	if b, _ := json.Marshal(pm); string(b) != `{"plan":"pro","prefs":{"theme":"dark","tz":"UTC"},"role":"admin"}` {
		t.Fatalf("deep merge: %s", b)
	}
	if b, err := users.Ban(ctx, u.ID); err != nil || !b.Banned {
		t.Fatalf("ban: %v", err)
	}
	if b, err := users.Unban(ctx, u.ID); err != nil || b.Banned {
		t.Fatalf("unban: %v", err)
	}
	if l, err := users.Lock(ctx, u.ID); err != nil || !l.Locked || l.LockoutExpiresInSeconds == nil || *l.LockoutExpiresInSeconds < 3500 {
		t.Fatalf("lock: %+v %v", l, err)
	}
	if l, err := users.Unlock(ctx, u.ID); err != nil || l.Locked {
		t.Fatalf("unlock: %v", err)
	}
	if v, err := users.VerifyPassword(ctx, &user.VerifyPasswordParams{UserID: u.ID, Password: "go sdk password 1"}); err != nil || !v.Verified {
		t.Fatalf("verify: %+v %v", v, err)
	}
	_, err = users.VerifyPassword(ctx, &user.VerifyPasswordParams{UserID: u.ID, Password: "wrong"})
	apiErr(t, err, 422, "form_password_incorrect")
	if d, err := users.Delete(ctx, u.ID); err != nil || !d.Deleted || d.ID != u.ID {
		t.Fatalf("delete: %+v %v", d, err)
	}
	_, err = users.Get(ctx, u.ID)
	apiErr(t, err, 404, "resource_not_found")

	_, err = user.NewClient(s.config("sk_live_wrong")).List(ctx, &user.ListParams{})
	apiErr(t, err, 401, "clerk_key_invalid")
}

// signUp makes a user through the Frontend API (+clerk_test address, code
// 424242 in development mode) and returns a fresh session token.
func (s server) signUp(t *testing.T) (token, userID string) {
	t.Helper()
	jar := map[string]string{}
	call := func(path string, form url.Values) map[string]any {
		req, _ := http.NewRequest("POST", s.url+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", s.url)
		for k, v := range jar {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		for _, c := range res.Cookies() {
			jar[c.Name] = c.Value
		}
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, res.StatusCode, body)
		}
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		return m
	}
	email := fmt.Sprintf("go-%d+clerk_test@example.com", rand.Int64())
	su := call("/v1/client/sign_ups", url.Values{"email_address": {email}, "password": {"go compat pass 1"}})["response"].(map[string]any)
	id := su["id"].(string)
	call("/v1/client/sign_ups/"+id+"/prepare_verification", url.Values{"strategy": {"email_code"}})
	done := call("/v1/client/sign_ups/"+id+"/attempt_verification", url.Values{"strategy": {"email_code"}, "code": {"424242"}})["response"].(map[string]any)
	tok := call("/v1/client/sessions/"+done["created_session_id"].(string)+"/tokens", url.Values{})
	return tok["jwt"].(string), done["created_user_id"].(string)
}

func TestVerifyOurSessionToken(t *testing.T) {
	s := setup(t)
	ctx := context.Background()
	token, userID := s.signUp(t)
	jc := jwks.NewClient(s.config(s.secret))
	set, err := jc.Get(ctx, &jwks.GetParams{})
	if err != nil || len(set.Keys) == 0 || set.Keys[0].Algorithm != "RS256" || set.Keys[0].Use != "sig" {
		t.Fatalf("jwks: %+v %v", set, err)
	}
	// With an issuer like https://clerk.<domain> the SDK's default issuer rule
	// applies (no ProxyURL); any other issuer needs ProxyURL equal to it.
	iss := os.Getenv("GATEHOUSE_ISSUER")
	var proxy *string
	if !strings.HasPrefix(iss, "https://clerk.") {
		proxy = clerk.String(iss)
	}
	claims, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: token, JWKSClient: jc, ProxyURL: proxy,
		AuthorizedPartyHandler: func(azp string) bool { return azp == s.url }})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	// (clerk-sdk-go reports Version 1 whenever no organization is active, so v is not checked here.)
	if claims.Subject != userID || claims.SessionID == "" || claims.AuthorizedParty != s.url {
		t.Fatalf("claims: %+v", claims)
	}
	// Wrong azp, tampered payload and a foreign issuer are refused.
	if claims.Issuer != iss {
		t.Fatalf("iss %q, want %q", claims.Issuer, iss)
	}
	if _, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: token, JWKSClient: jc, ProxyURL: proxy,
		AuthorizedPartyHandler: func(azp string) bool { return azp == "https://other.test" }}); err == nil {
		t.Fatal("wrong azp accepted")
	}
	parts := strings.Split(token, ".")
	forged := parts[0] + "." + strings.TrimRight(encodeClaims(t, parts[1], userID+"x"), "=") + "." + parts[2]
	if _, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: forged, JWKSClient: jc, ProxyURL: proxy}); err == nil {
		t.Fatal("tampered token accepted")
	}
	if _, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: token, JWKSClient: jc, ProxyURL: clerk.String("https://not-the-issuer.test")}); err == nil {
		t.Fatal("token accepted for another issuer")
	}
}

func encodeClaims(t *testing.T, seg, sub string) string {
	t.Helper()
	b, err := decodeSeg(seg)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	m["sub"] = sub
	out, _ := json.Marshal(m)
	return encodeSeg(out)
}
