package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/apitest"
)

// The webhooks commands manage endpoints, read the delivery log and replay,
// against the same database a running server dispatches from.
func TestWebhooksCommands(t *testing.T) {
	dir := t.TempDir()
	base := []string{"--data-dir", dir}
	cli := func(args ...string) (int, string, string) {
		t.Helper()
		// Flags go before positional arguments: insert base after the subcommand.
		full := append(append([]string{"webhooks", args[0]}, base...), args[1:]...)
		return runCLI(t, "", full...)
	}
	rcv := apitest.NewReceiver(t)

	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"create"}, 2, "needs --url"},
		{[]string{"create", "--url", rcv.URL}, 1, "--webhook-allow-private"},
		{[]string{"create", "--webhook-allow-private", "--url", rcv.URL, "--event", "user.melted"}, 1, "unknown event type"},
		{[]string{"get"}, 2, "exactly one endpoint id"},
		{[]string{"get", "ep_missing"}, 1, "not found"},
		{[]string{"replay"}, 2, "needs --message"},
		{[]string{"replay", "--since", "2h"}, 2, "needs --endpoint"},
		{[]string{"replay", "--endpoint", "ep_x", "--since", "last tuesday"}, 2, "RFC 3339"},
		{[]string{"attempts", "--limit", "0"}, 2, "--limit"},
		{[]string{"frob"}, 2, "unknown webhooks command"},
	} {
		code, out, errOut := cli(c.args...)
		if code != c.code || !strings.Contains(out+errOut, c.msg) {
			t.Errorf("webhooks %v: exit %d (want %d), output lacks %q: %s%s", c.args, code, c.code, c.msg, out, errOut)
		}
	}

	code, out, errOut := cli("create", "--webhook-allow-private", "--url", rcv.URL, "--event", "user.created", "--description", "crm sync")
	var ep struct{ ID, Secret, URL string }
	if code != 0 || json.Unmarshal([]byte(out), &ep) != nil || !strings.HasPrefix(ep.Secret, "whsec_") || ep.URL != rcv.URL {
		t.Fatalf("create: %d %s %s", code, out, errOut)
	}
	rcv.SetSecret(ep.Secret)
	if code, out, _ = cli("list"); code != 0 || !strings.Contains(out, ep.ID) || !strings.Contains(out, "user.created") || strings.Contains(out, "whsec_") {
		t.Fatalf("list: %d %s", code, out)
	}
	if code, out, _ = cli("secret", ep.ID); code != 0 || strings.TrimSpace(out) != ep.Secret {
		t.Fatalf("secret: %d %s", code, out)
	}
	if code, out, _ = cli("update", "--all-events", ep.ID); code != 0 || !strings.Contains(out, `"event_types": []`) {
		t.Fatalf("update: %d %s", code, out)
	}
	if code, out, _ = cli("disable", ep.ID); code != 0 || !strings.Contains(out, `"disabled": true`) {
		t.Fatalf("disable: %d %s", code, out)
	}
	if code, out, _ = cli("enable", ep.ID); code != 0 || !strings.Contains(out, `"disabled": false`) {
		t.Fatalf("enable: %d %s", code, out)
	}

	// A user created from the CLI is an event; a server on the same data
	// directory delivers it.
	if code, _, errOut = runCLI(t, "", "users", "create", "--data-dir", dir, "--email", "cli-hook@example.com"); code != 0 {
		t.Fatalf("users create: %s", errOut)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	serveErr := &syncBuffer{}
	go func() {
		done <- run(ctx, []string{"serve", "--data-dir", dir, "--listen", "127.0.0.1:0", "--webhook-allow-private"}, &syncBuffer{}, serveErr)
	}()
	defer func() { cancel(); <-done }()
	ds := rcv.WaitFor(t, "user.created from the CLI", 10*time.Second, func(ds []apitest.Delivery) bool { return len(ds) == 1 })
	if ds[0].Type() != "user.created" || !ds[0].Valid {
		t.Fatalf("delivery: %+v", ds[0])
	}

	waitCLI := func(cond func(string) bool, args ...string) (int, string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			code, out, _ := cli(args...)
			if cond(out) || time.Now().After(deadline) {
				return code, out
			}
		}
	}
	// The dispatcher records attempts after the sends: poll the log.
	if code, out = waitCLI(func(o string) bool { return strings.Contains(o, "204") }, "attempts", "--endpoint", ep.ID); code != 0 || !strings.Contains(out, ds[0].ID) || !regexp.MustCompile(`user.created\s+ep_\S+\s+204`).MatchString(out) {
		t.Fatalf("attempts: %d %s", code, out)
	}
	if code, out, _ = cli("replay", "--message", ds[0].ID); code != 0 || !strings.Contains(out, "queued 1") {
		t.Fatalf("replay: %d %s", code, out)
	}
	ds = rcv.WaitFor(t, "the replay", 10*time.Second, func(ds []apitest.Delivery) bool { return len(ds) == 2 })
	if ds[1].ID != ds[0].ID {
		t.Fatal("a replay must keep the svix-id")
	}
	if code, out, _ = cli("rotate-secret", ep.ID); code != 0 || strings.Contains(out, ep.Secret) || !strings.Contains(out, "whsec_") {
		t.Fatalf("rotate: %d %s", code, out)
	}
	if code, out, _ = cli("replay", "--endpoint", ep.ID, "--since", "1h"); code != 0 || !strings.Contains(out, "queued 1") {
		t.Fatalf("replay since: %d %s", code, out)
	}
	rcv.WaitFor(t, "the replay since", 10*time.Second, func(ds []apitest.Delivery) bool { return len(ds) == 3 })
	if code, out = waitCLI(func(o string) bool { return strings.Count(o, `"status_code": 204`) == 3 }, "attempts", "--json", "--message", ds[0].ID); code != 0 || strings.Count(out, `"status_code": 204`) != 3 {
		t.Fatalf("attempts --json: %d %s", code, out)
	}
	if code, out, _ = cli("delete", ep.ID); code != 0 || !strings.Contains(out, "deleted "+ep.ID) {
		t.Fatalf("delete: %d %s", code, out)
	}
}
