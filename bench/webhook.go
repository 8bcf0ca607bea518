package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// webhookDrain queues n deliveries at once (users created, then replayed
// from a backlog in one transaction) and times the dispatcher draining them
// to a loopback receiver that checks every signature.
func (e *env) webhookDrain(ctx context.Context, n int) (row, error) {
	var got, bad atomic.Int64
	var secret atomic.Value
	secret.Store([]byte{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, secret.Load().([]byte))
		mac.Write([]byte(r.Header.Get("svix-id") + "." + r.Header.Get("svix-timestamp") + "."))
		mac.Write(body)
		if r.Header.Get("svix-signature") != "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
			bad.Add(1)
		}
		got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return row{}, err
	}
	go srv.Serve(l)
	defer srv.Close()

	var ep struct{ ID, Secret string }
	if err := e.api.do(ctx, "POST", "/webhooks/endpoints", map[string]any{"url": "http://" + l.Addr().String() + "/hooks",
		"event_types": []string{"user.created"}}, &ep); err != nil {
		return row{}, err
	}
	defer e.api.do(context.Background(), "DELETE", "/webhooks/endpoints/"+ep.ID, nil, nil)
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(ep.Secret, "whsec_"))
	secret.Store(key)

	since := time.Now().UnixMilli()
	run := time.Now().UnixNano()
	var next atomic.Int64
	var wg sync.WaitGroup
	var createErr atomic.Value
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				if err := e.api.do(ctx, "POST", "/users", map[string]any{"email_address": []string{fmt.Sprintf("wh-%d-%d@example.com", run, i)}}, nil); err != nil {
					createErr.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, ok := createErr.Load().(error); ok {
		return row{}, err
	}
	if err := waitCount(&got, int64(n), time.Minute); err != nil {
		return row{}, fmt.Errorf("live deliveries: %w", err)
	}
	// The backlog: every message since the start, queued in one transaction.
	stop := e.s.watchRSS()
	start := time.Now()
	var replay struct{ Queued int }
	if err := e.api.do(ctx, "POST", "/webhooks/endpoints/"+ep.ID+"/replay", map[string]any{"since": since}, &replay); err != nil {
		return row{}, err
	}
	if replay.Queued != n {
		return row{}, fmt.Errorf("replay queued %d, want %d", replay.Queued, n)
	}
	if err := waitCount(&got, int64(2*n), 2*time.Minute); err != nil {
		return row{}, fmt.Errorf("replayed deliveries: %w", err)
	}
	elapsed := time.Since(start)
	r := row{Scenario: "webhook delivery", Users: e.seeded + len(e.pwEmails), Concurrency: 1, OpsPerSec: float64(n) / elapsed.Seconds(),
		PeakRSSMiB: stop(), Ops: int64(n), Errors: bad.Load()}
	if r.Errors > 0 {
		r.FirstError = "signature mismatch"
	}
	progressf("  %-14s %8.1f/s  (%d deliveries in %s, %d bad signatures)\n", r.Scenario, r.OpsPerSec, n, elapsed.Round(time.Millisecond), bad.Load())
	return r, nil
}

func waitCount(c *atomic.Int64, want int64, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for c.Load() < want {
		if time.Now().After(deadline) {
			return fmt.Errorf("received %d of %d within %s", c.Load(), want, limit)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return nil
}

// sdkBench runs the Go SDK's benchmarks (its own module) and returns the
// throughput of raw RS256 verification and of the middleware, per second.
func sdkBench(benchtime string) (map[string]float64, error) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "^Benchmark(RawRS256Verify|MiddlewareVerify|MiddlewareVerifyDistinctTokens)$",
		"-benchtime", benchtime, ".")
	cmd.Dir = "sdk"
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go test -bench in sdk/: %v\n%s", err, out)
	}
	res := map[string]float64{}
	re := regexp.MustCompile(`(?m)^Benchmark(\w+)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op`)
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		ns, _ := strconv.ParseFloat(m[2], 64)
		if ns > 0 {
			res[m[1]] = 1e9 / ns
		}
	}
	if len(res) != 3 {
		return nil, fmt.Errorf("could not read the SDK benchmarks:\n%s", out)
	}
	return res, nil
}
