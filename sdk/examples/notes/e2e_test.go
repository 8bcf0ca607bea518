package main

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gatehouseServer builds and starts the real gatehouse binary from this
// repository on a loopback port with a fresh SQLite database.
type gatehouseServer struct {
	URL, SecretKey string
}

func startGatehouse(t *testing.T) gatehouseServer {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go toolchain not found; the end-to-end test builds the gatehouse binary")
	}
	root, _ := filepath.Abs("../../..")
	if _, err := os.Stat(filepath.Join(root, "cmd", "gatehouse")); err != nil {
		t.Skip("not inside the gatehouse repository")
	}
	bin := filepath.Join(t.TempDir(), "gatehouse")
	build := exec.Command("go", "build", "-o", bin, "./cmd/gatehouse")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build gatehouse: %v\n%s", err, out)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data-dir", t.TempDir(), "--log-format", "text", "--log-level", "warn",
		"--webhook-allow-private") // the app under test listens on loopback
	stdout, _ := cmd.StdoutPipe()
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sk := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "secret_key:" {
				sk <- f[1]
			}
		}
	}()
	s := gatehouseServer{URL: "http://" + addr}
	select {
	case s.SecretKey = <-sk:
	case <-time.After(20 * time.Second):
		t.Fatalf("gatehouse did not start: %s", logs.String())
	}
	for i := 0; i < 100; i++ {
		if res, err := http.Get(s.URL + "/readyz"); err == nil && res.StatusCode == 200 {
			res.Body.Close()
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("gatehouse not ready: %s", logs.String())
	return s
}

func (s gatehouseServer) bapi(t *testing.T, method, path string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, s.URL+"/api/v1"+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+s.SecretKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != 200 {
		t.Fatalf("%s %s: %d %v", method, path, res.StatusCode, out)
	}
	return out
}

// person is a browser: one cookie jar for the Gatehouse and the app (cookies
// are per host, not per port, as in browsers).
type person struct {
	t      *testing.T
	client *http.Client
	gh     gatehouseServer
	userID string
	sid    string
}

func signUp(t *testing.T, gh gatehouseServer, email string) *person {
	jar, _ := cookiejar.New(nil)
	p := &person{t: t, client: &http.Client{Jar: jar}, gh: gh}
	post := func(path string, form url.Values) map[string]any {
		req, _ := http.NewRequest("POST", gh.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", gh.URL)
		res, err := p.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %v", path, res.StatusCode, out)
		}
		return out["response"].(map[string]any)
	}
	su := post("/v1/client/sign_ups", url.Values{"email_address": {email}, "password": {"notes password 1"}})
	post("/v1/client/sign_ups/"+su["id"].(string)+"/prepare_verification", url.Values{"strategy": {"email_code"}})
	done := post("/v1/client/sign_ups/"+su["id"].(string)+"/attempt_verification", url.Values{"strategy": {"email_code"}, "code": {"424242"}})
	p.userID, p.sid = done["created_user_id"].(string), done["created_session_id"].(string)
	return p
}

// token fetches a fresh session token, as clerk-js does before API calls.
func (p *person) token() string {
	req, _ := http.NewRequest("POST", p.gh.URL+"/v1/client/sessions/"+p.sid+"/tokens", nil)
	req.Header.Set("Origin", p.gh.URL)
	res, err := p.client.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ JWT string }
	_ = json.NewDecoder(res.Body).Decode(&out)
	return out.JWT
}

func (p *person) api(method, url string, body string) (int, string) {
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+p.token())
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestNotesEndToEnd(t *testing.T) {
	gh := startGatehouse(t)
	// The app's address is known before it starts, so Gatehouse's webhook
	// endpoint (and its secret) can be registered first.
	srv := httptest.NewUnstartedServer(nil)
	appURL := "http://" + srv.Listener.Addr().String()
	ep := gh.bapi(t, "POST", "/webhooks/endpoints", map[string]any{"url": appURL + "/webhooks/gatehouse",
		"event_types": []string{"user.created", "user.updated", "user.deleted"}})
	secret := ep["secret"].(string)
	app, err := New(Config{GatehouseURL: gh.URL, SecretKey: gh.SecretKey, WebhookSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = app.Handler()
	srv.Start()
	defer srv.Close()
	gh.bapi(t, "PATCH", "/instance", map[string]any{"allowed_origins": []string{srv.URL},
		"session_claims": map[string]any{"metadata": "{{user.public_metadata}}"}})

	alice := signUp(t, gh, "alice+clerk_test@example.com")
	bob := signUp(t, gh, "bob+clerk_test@example.com")

	// Signed out: API 401 JSON; page redirected to the hosted sign-in.
	res, _ := http.Get(srv.URL + "/api/notes")
	if res.StatusCode != 401 {
		t.Fatalf("signed-out API: %d", res.StatusCode)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", srv.URL+"/dashboard", nil)
	req.Header.Set("Accept", "text/html")
	res, _ = noFollow.Do(req)
	if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), gh.URL+"/sign-in?redirect_url=") {
		t.Fatalf("signed-out page: %d %s", res.StatusCode, res.Header.Get("Location"))
	}

	// Ownership: Alice writes, Bob cannot delete, Alice can.
	code, body := alice.api("POST", srv.URL+"/api/notes", `{"text":"alice's note"}`)
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	var note Note
	_ = json.Unmarshal([]byte(body), &note)
	if note.AuthorID != alice.userID {
		t.Fatalf("author %s, want %s", note.AuthorID, alice.userID)
	}
	if code, body = bob.api("DELETE", srv.URL+"/api/notes/"+note.ID, ""); code != 403 || !strings.Contains(body, "Only the author") {
		t.Fatalf("bob deletes alice's note: %d %s", code, body)
	}
	if code, _ = alice.api("DELETE", srv.URL+"/api/notes/"+note.ID, ""); code != 204 {
		t.Fatalf("alice deletes her note: %d", code)
	}

	// Rate limit: 5 notes per 60 s per user (the first one above counts), then
	// 429 with Retry-After; Bob is unaffected.
	for i := 2; i <= 5; i++ {
		if code, body = alice.api("POST", srv.URL+"/api/notes", fmt.Sprintf(`{"text":"n%d"}`, i)); code != 201 {
			t.Fatalf("note %d: %d %s", i, code, body)
		}
	}
	if code, body = alice.api("POST", srv.URL+"/api/notes", `{"text":"one too many"}`); code != 429 || !strings.Contains(body, "rate_limited") {
		t.Fatalf("6th note: %d %s", code, body)
	}
	if code, _ = bob.api("POST", srv.URL+"/api/notes", `{"text":"bob"}`); code != 201 {
		t.Fatalf("bob's first note: %d", code)
	}

	// Admin route gated on sessionClaims.metadata.role; premium on metadata.plan.
	if code, _ = alice.api("GET", srv.URL+"/api/admin/stats", ""); code != 403 {
		t.Fatalf("admin before role: %d", code)
	}
	if code, body = alice.api("GET", srv.URL+"/api/premium", ""); code != 403 || !strings.Contains(body, "Upgrade required") {
		t.Fatalf("premium before plan: %d %s", code, body)
	}
	gh.bapi(t, "PATCH", "/users/"+alice.userID+"/metadata", map[string]any{"public_metadata": map[string]any{"role": "admin", "plan": "pro"}})
	if code, body = alice.api("GET", srv.URL+"/api/admin/stats", ""); code != 200 || !strings.Contains(body, `"notes":5`) {
		t.Fatalf("admin after role: %d %s", code, body)
	}
	if code, _ = alice.api("GET", srv.URL+"/api/premium", ""); code != 200 {
		t.Fatalf("premium after plan: %d", code)
	}
	if code, _ = bob.api("GET", srv.URL+"/api/admin/stats", ""); code != 403 {
		t.Fatalf("bob is not admin: %d", code)
	}

	// SSR handshake: Alice's browser has __client_uat but no __session; a page
	// load goes through Gatehouse and comes back signed in, with no JavaScript.
	req, _ = http.NewRequest("GET", srv.URL+"/dashboard", nil)
	req.Header.Set("Accept", "text/html")
	var hops []string
	alice.client.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		hops = append(hops, r.URL.Host+r.URL.Path)
		return nil
	}
	res, err = alice.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), `<strong id="user">`+alice.userID+`</strong>`) {
		t.Fatalf("dashboard after handshake: %d hops=%v\n%s", res.StatusCode, hops, page)
	}
	// app → Gatehouse handshake → app with the nonce → app without it.
	if len(hops) != 3 || !strings.HasSuffix(hops[0], "/v1/client/handshake") || !strings.HasSuffix(hops[2], "/dashboard") {
		t.Fatalf("expected app → gatehouse handshake → app → app, got %v", hops)
	}

	// Webhook sync: Gatehouse's real user.created deliveries, verified by the
	// SDK, fill the app's table; a forged event is refused; user.deleted removes.
	waitUser := func(id string, want bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if _, ok := app.User(id); ok == want {
				return
			}
		}
		t.Fatalf("user %s synced=%v never happened", id, want)
	}
	waitUser(alice.userID, true)
	if u, _ := app.User(alice.userID); u.Email != "alice+clerk_test@example.com" {
		t.Fatalf("synced user: %+v", u)
	}
	forged := fmt.Sprintf(`{"type":"user.deleted","object":"event","data":{"id":%q,"deleted":true}}`, alice.userID)
	if code := deliver(t, srv.URL, secret, forged, true); code != 400 {
		t.Fatalf("forged webhook: %d", code)
	}
	if _, ok := app.User(alice.userID); !ok {
		t.Fatal("a forged user.deleted removed the user")
	}
	gh.bapi(t, "DELETE", "/users/"+alice.userID, nil)
	waitUser(alice.userID, false)
	waitUser(bob.userID, true)
}

// deliver posts a Svix-signed event (with a broken signature when forge).
func deliver(t *testing.T, appURL, secret, body string, forge bool) int {
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	id, ts := fmt.Sprintf("msg_%d", time.Now().UnixNano()), fmt.Sprint(time.Now().Unix())
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + body))
	sig := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if forge {
		sig = base64.StdEncoding.EncodeToString(make([]byte, 32))
	}
	req, _ := http.NewRequest("POST", appURL+"/webhooks/gatehouse", strings.NewReader(body))
	req.Header.Set("svix-id", id)
	req.Header.Set("svix-timestamp", ts)
	req.Header.Set("svix-signature", "v1,"+sig)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
