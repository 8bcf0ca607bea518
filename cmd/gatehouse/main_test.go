package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	stdinReader = strings.NewReader(stdin)
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "Usage"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"serve", "--no-such-flag"}, 2, "flag provided but not defined"},
		{[]string{"serve", "--data-dir", dir, "--listen", "nonsense"}, 2, "--listen"},
		{[]string{"serve", "--data-dir", dir, "--mode", "staging"}, 2, "--mode"},
		{[]string{"serve", "--data-dir", dir, "--mode", "production", "--public-url", "https://auth.example.com", "--smtp-url", "smtp://x:1", "--mail-from", "a@b.c"}, 2, "GATEHOUSE_ENCRYPTION_KEY"},
		{[]string{"serve", "--data-dir", dir, "--public-url", "ftp://x"}, 2, "--public-url"},
		{[]string{"serve", "--data-dir", dir, "--database-url", "mysql://root@localhost/db"}, 1, "unsupported database URL"},
		{[]string{"migrate", "--database-url", "postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=1"}, 1, "connect to postgres"},
		{[]string{"serve", "--data-dir", dir, "--rate-limits", "maybe"}, 2, "--rate-limits"},
		{[]string{"serve", "--data-dir", dir, "--trusted-proxies", "10.0.0.0/8,not-an-ip"}, 2, "--trusted-proxies"},
		{[]string{"serve", "--data-dir", dir, "--redis-url", "http://127.0.0.1:6379"}, 2, "--redis-url"},
		{[]string{"serve", "--data-dir", dir, "--listen", "127.0.0.1:0", "--redis-url", "redis://:hunter2@127.0.0.1:1/0"}, 1, "connect to Redis"},
		{[]string{"keys", "explode"}, 2, "unknown keys command"},
		{[]string{"users", "get", "--data-dir", dir}, 2, "exactly one user id"},
		{[]string{"users", "create", "--data-dir", dir}, 2, "needs --email"},
	}
	for _, c := range cases {
		code, out, errOut := runCLI(t, "", c.args...)
		if code != c.code || !strings.Contains(out+errOut, c.msg) {
			t.Errorf("%v: exit %d (want %d), output %q lacks %q", c.args, code, c.code, out+errOut, c.msg)
		}
		if strings.Contains(out+errOut, "hunter2") {
			t.Errorf("%v: output leaks a password", c.args)
		}
	}
}

func TestUsersAndKeysCommands(t *testing.T) {
	dir := t.TempDir()
	base := []string{"--data-dir", dir}
	code, out, errOut := runCLI(t, "cli password 1\n", append([]string{"users", "create", "--email", "cli@example.com", "--first-name", "Cli",
		"--public-metadata", `{"role":"admin"}`, "--password-stdin"}, base...)...)
	if code != 0 {
		t.Fatalf("create: %d %s %s", code, out, errOut)
	}
	var u map[string]any
	if err := json.Unmarshal([]byte(out), &u); err != nil || u["password_enabled"] != true || u["public_metadata"].(map[string]any)["role"] != "admin" {
		t.Fatalf("created user: %v %s", err, out)
	}
	if !strings.Contains(errOut, "created instance") || !regexp.MustCompile(`sk_test_\S{40,}`).MatchString(errOut) {
		t.Fatalf("first use must create the instance and show its secret key once: %s", errOut)
	}
	id := u["id"].(string)
	if code, out, _ = runCLI(t, "", append([]string{"users", "list"}, base...)...); code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "cli@example.com") {
		t.Fatalf("list: %d %s", code, out)
	}
	if code, out, _ = runCLI(t, "", append(append([]string{"users", "get"}, base...), id)...); code != 0 || !strings.Contains(out, `"first_name": "Cli"`) {
		t.Fatalf("get: %d %s", code, out)
	}
	if code, _, _ = runCLI(t, "", append(append([]string{"users", "delete"}, base...), id)...); code != 0 {
		t.Fatal("delete failed")
	}
	if code, _, errOut = runCLI(t, "", append(append([]string{"users", "get"}, base...), id)...); code != 1 || !strings.Contains(errOut, "not found") {
		t.Fatalf("get deleted: %d %s", code, errOut)
	}
	code, out, _ = runCLI(t, "", append([]string{"keys", "show"}, base...)...)
	// Development mode (the default): pk_test_ and sk_test_ keys.
	if code != 0 || !strings.Contains(out, "mode: development\npublishable_key: pk_test_") || !strings.Contains(out, "BEGIN PUBLIC KEY") {
		t.Fatalf("keys show: %d %s", code, out)
	}
	code, out, _ = runCLI(t, "", append([]string{"keys", "create-secret", "--name", "ci"}, base...)...)
	sk := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(sk, "sk_test_") {
		t.Fatalf("create-secret: %d %q", code, out)
	}
	code, out, _ = runCLI(t, "", append([]string{"keys", "list-secrets"}, base...)...)
	if code != 0 || strings.Contains(out, sk) || !strings.Contains(out, "…"+sk[len(sk)-4:]) {
		t.Fatalf("list-secrets must show hints only: %s", out)
	}
	if code, out, _ = runCLI(t, "", append([]string{"keys", "rotate"}, base...)...); code != 0 || !strings.Contains(out, "new active signing key: ins_") {
		t.Fatalf("rotate: %d %s", code, out)
	}
	if code, out, _ = runCLI(t, "", "keys", "gen-encryption-key"); code != 0 || len(strings.TrimSpace(out)) != 44 {
		t.Fatalf("gen-encryption-key: %q", out)
	}
}

// serve starts, answers /readyz and shuts down cleanly when its context ends.
func TestServeGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	out, errb := &syncBuffer{}, &syncBuffer{}
	go func() {
		done <- run(ctx, []string{"serve", "--data-dir", dir, "--listen", "127.0.0.1:0", "--public-url", "http://127.0.0.1:1"}, out, errb)
	}()
	deadline := time.Now().Add(10 * time.Second)
	var addr string
	for time.Now().Before(deadline) && addr == "" {
		time.Sleep(20 * time.Millisecond)
		if m := regexp.MustCompile(`"address":"([^"]+)"`).FindStringSubmatch(errb.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatalf("server never became ready: %s", errb.String())
	}
	res, err := http.Get("http://" + addr + "/readyz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", res, err)
	}
	res.Body.Close()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, errb.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if _, err := os.Stat(dir + "/gatehouse.db"); err != nil {
		t.Fatalf("database file: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
