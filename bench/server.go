package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL schema set-up and seeding
)

// server is a gatehouse process started for one benchmark run.
type server struct {
	cmd       *exec.Cmd
	url       string
	secretKey string
	dataDir   string
	dbURL     string // "" for SQLite
	readyIn   time.Duration
	logs      *bytes.Buffer
	debug     string // the debug listener's address (/debug/store, /debug/pprof)
}

// buildBinary compiles ./cmd/gatehouse into dir.
func buildBinary(dir string) (string, error) {
	bin := filepath.Join(dir, "gatehouse")
	out, err := exec.Command("go", "build", "-o", bin, "./cmd/gatehouse").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/gatehouse (run the bench from the repository root): %v\n%s", err, out)
	}
	return bin, nil
}

// freshSchema creates an empty PostgreSQL schema and returns a URL using it
// and a function dropping it.
func freshSchema(base string) (string, func(), error) {
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	var b [5]byte
	_, _ = rand.Read(b[:])
	schema := "gh_bench_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create schema on %s (is PostgreSQL running?): %w", redact(base), err)
	}
	u, err := url.Parse(base)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() { _, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE"); db.Close() }, nil
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// startServer runs `gatehouse serve` on a free loopback port and waits for
// /readyz, recording how long start-up took.
func startServer(bin, dataDir, dbURL, debugListen string) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	// Rate limits off: one loopback client drives thousands of sign-ins a
	// minute, which Clerk's per-IP limits would (rightly) refuse.
	args := []string{"serve", "--listen", addr, "--data-dir", dataDir, "--log-level", "warn", "--log-format", "text", "--webhook-allow-private",
		"--rate-limits", "off"}
	if dbURL != "" {
		args = append(args, "--database-url", dbURL)
	}
	if debugListen == "" {
		// Always on: the bench reads the per-request statement counts there.
		if debugListen, err = freeLoopback(); err != nil {
			return nil, err
		}
	}
	args = append(args, "--debug-listen", debugListen)
	s := &server{url: "http://" + addr, dataDir: dataDir, dbURL: dbURL, logs: &bytes.Buffer{}, debug: debugListen}
	s.cmd = exec.Command(bin, args...)
	var out bytes.Buffer
	s.cmd.Stdout = &out
	s.cmd.Stderr = &lockedWriter{w: s.logs}
	start := time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	for time.Since(start) < 30*time.Second {
		res, err := http.Get(s.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				s.readyIn = time.Since(start)
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if s.readyIn == 0 {
		s.stop()
		return nil, fmt.Errorf("server did not become ready: %s", s.logs.String())
	}
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "secret_key:" {
			s.secretKey = f[1]
		}
	}
	if s.secretKey == "" {
		s.stop()
		return nil, fmt.Errorf("no secret key in the server's first-start output: %s", out.String())
	}
	return s, nil
}

func (s *server) stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-done
		}
	}
}

// rssKiB reads the server's resident set size from /proc.
func (s *server) rssKiB() int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// watchRSS samples the RSS every 20 ms until stop is called; stop returns
// the peak in MiB.
func (s *server) watchRSS() (stop func() float64) {
	var mu sync.Mutex
	peak := s.rssKiB()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if r := s.rssKiB(); r > 0 {
					mu.Lock()
					peak = max(peak, r)
					mu.Unlock()
				}
			}
		}
	}()
	return func() float64 {
		close(done)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return float64(peak) / 1024
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w.Len() > 1<<20 { // keep the last MiB at most
		l.w.Reset()
	}
	return l.w.Write(p)
}

// cpuSeconds is the user+system CPU time process pid has used (/proc, in
// clock ticks of 1/100 s, the Linux USER_HZ).
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	_, rest, ok := strings.Cut(string(b), ") ")
	if !ok {
		return 0
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}
