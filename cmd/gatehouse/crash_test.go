package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// The real binary is killed with SIGKILL in the middle of a burst of
// events. After a restart every event whose change committed is delivered
// (at least once, retries carrying the same svix-id) and none is invented.
func TestWebhookDeliverySurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "gatehouse")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	t.Run("sqlite", func(t *testing.T) { crashRun(t, bin, nil) })
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv(storetest.EnvPostgres) == "" {
			t.Skip(storetest.EnvPostgres + " is not set; skipping the PostgreSQL variant (.ci/run sets it)")
		}
		crashRun(t, bin, []string{"--database-url", storetest.PostgresURL(t)})
	})
}

type node struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	url    string
}

func startNode(t *testing.T, bin, dir string, extra []string) *node {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	args := append([]string{"serve", "--listen", addr, "--data-dir", dir, "--webhook-allow-private", "--webhook-lease", "2s",
		"--log-format", "text", "--log-level", "warn"}, extra...)
	n := &node{cmd: exec.Command(bin, args...), stderr: &syncBuffer{}, url: "http://" + addr}
	n.cmd.Stderr, n.cmd.Stdout = n.stderr, n.stderr
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.cmd.Process.Kill(); _ = n.cmd.Wait() })
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(n.url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return n
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server not ready: %s", n.stderr.String())
	return nil
}

func bapiCall(url, sk, method, path string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url+"/api/v1"+path, rd)
	req.Header.Set("Authorization", "Bearer "+sk)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var m map[string]any
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, err
	}
	_ = json.Unmarshal(data, &m)
	return res.StatusCode, m, nil
}

func crashRun(t *testing.T, bin string, extra []string) {
	dir := t.TempDir()
	rcv := apitest.NewReceiver(t)
	n := startNode(t, bin, dir, extra)
	sk := regexp.MustCompile(`sk_(?:live|test)_[A-Za-z0-9_-]+`).FindString(n.stderr.String())
	if sk == "" {
		t.Fatalf("no secret key in the first start's output: %s", n.stderr.String())
	}
	code, ep, err := bapiCall(n.url, sk, "POST", "/webhooks/endpoints", map[string]any{"url": rcv.URL, "event_types": []string{"user.created"}})
	if err != nil || code != 200 {
		t.Fatalf("create endpoint: %d %v %v", code, ep, err)
	}
	rcv.SetSecret(ep["secret"].(string))
	// A slowish endpoint, so that deliveries are in flight when the node dies.
	rcv.SetStatus(func(int) int { time.Sleep(15 * time.Millisecond); return 200 })

	// The burst: 8 writers create users until the server dies.
	const writers, perWriter = 8, 100
	var mu sync.Mutex
	committed := map[string]bool{} // users whose creation returned 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				code, u, err := bapiCall(n.url, sk, "POST", "/users", map[string]any{"email_address": []string{fmt.Sprintf("crash-%d-%d@example.com", w, i)}})
				if err != nil {
					return // the server is gone
				}
				if code == 200 {
					mu.Lock()
					committed[u["id"].(string)] = true
					mu.Unlock()
				}
			}
		}()
	}
	rcv.WaitFor(t, "the burst to be under way", 20*time.Second, func(ds []apitest.Delivery) bool { return len(ds) >= 80 })
	if err := n.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = n.cmd.Wait()
	wg.Wait()
	before := len(rcv.Deliveries())
	if len(committed) >= writers*perWriter {
		t.Fatalf("the kill came after the burst ended (%d users); nothing was tested", len(committed))
	}

	n2 := startNode(t, bin, dir, extra)
	// Every user in the database (acknowledged or not) must be announced.
	code, list, err := bapiListUsers(n2.url, sk)
	if err != nil || code != 200 {
		t.Fatalf("list users after restart: %d %v", code, err)
	}
	for id := range committed {
		if !list[id] {
			t.Fatalf("user %s was acknowledged but is not in the database after the crash", id)
		}
	}
	ds := rcv.WaitFor(t, "every committed user's event", 60*time.Second, func(ds []apitest.Delivery) bool {
		got := map[string]bool{}
		for _, d := range ds {
			got[d.Data()["id"].(string)] = true
		}
		for id := range list {
			if !got[id] {
				return false
			}
		}
		return true
	})
	svixID := map[string]string{}
	dups := 0
	for _, d := range ds {
		uid := d.Data()["id"].(string)
		if !d.Valid || d.Type() != "user.created" {
			t.Fatalf("bad delivery: %+v", d)
		}
		if !list[uid] {
			t.Fatalf("event for user %s, which is not in the database", uid)
		}
		if prev, ok := svixID[uid]; ok {
			dups++
			if prev != d.ID {
				t.Fatalf("user %s announced under two svix-ids (%s, %s): a retry must reuse the message id", uid, prev, d.ID)
			}
		}
		svixID[uid] = d.ID
	}
	t.Logf("%d users in the database (%d acknowledged), %d deliveries before the kill, %d after restart, %d repeated (at least once)",
		len(list), len(committed), before, len(ds)-before, dups)
}

func bapiListUsers(url, sk string) (int, map[string]bool, error) {
	req, _ := http.NewRequest("GET", url+"/api/v1/users?limit=500", nil)
	req.Header.Set("Authorization", "Bearer "+sk)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var users []struct{ ID string }
	if err := json.NewDecoder(res.Body).Decode(&users); err != nil {
		return res.StatusCode, nil, err
	}
	out := map[string]bool{}
	for _, u := range users {
		out[u.ID] = true
	}
	return res.StatusCode, out, nil
}
