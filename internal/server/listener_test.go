package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

// serveForTest runs the real server (App.Serve on a loopback port, SQLite in
// a temporary directory) and returns its public address and its log.
func serveForTest(t *testing.T, mut func(*config.Config)) (string, *lockedBuffer) {
	t.Helper()
	cfg := config.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Mode: config.ModeDevelopment, LogLevel: "warn", LogFormat: "text", RateLimits: "off"}
	mut(&cfg)
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	app, err := Open(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, func(pub, _ net.Addr) { addrc <- pub.String() }) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() { cancel(); <-done; app.Close() })
	return addr, logs
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// keepAlive is one client connection doing HTTP/1.1 requests by hand.
type keepAlive struct {
	c net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *keepAlive {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// A safety net so a broken server cannot hang the test; no assertion is
	// made about how long anything takes.
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	return &keepAlive{c: c, r: bufio.NewReader(c)}
}

// get sends GET /healthz and returns the status, or an error when the
// server closed the connection instead of answering.
func (k *keepAlive) get() (int, error) {
	if _, err := io.WriteString(k.c, "GET /healthz HTTP/1.1\r\nHost: gatehouse.test\r\n\r\n"); err != nil {
		return 0, err
	}
	res, err := http.ReadResponse(k.r, nil)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// With --max-conns-per-ip N, one client's first N connections are served
// (and stay usable), the next is closed without an answer, and a slot freed
// by closing a connection can be used again.
func TestMaxConnsPerIP(t *testing.T) {
	const n = 3
	addr, logs := serveForTest(t, func(c *config.Config) { c.MaxConnsPerIP = n })
	var held []*keepAlive
	for i := range n {
		k := dial(t, addr)
		if code, err := k.get(); err != nil || code != http.StatusOK {
			t.Fatalf("connection %d of %d: %d %v", i+1, n, code, err)
		}
		held = append(held, k)
	}
	over := dial(t, addr)
	if code, err := over.get(); err == nil {
		t.Fatalf("connection %d over a cap of %d was served: %d", n+1, n, code)
	}
	for i, k := range held {
		if code, err := k.get(); err != nil || code != http.StatusOK {
			t.Fatalf("held connection %d after the refusal: %d %v", i+1, code, err)
		}
	}
	if !strings.Contains(logs.String(), "max-conns-per-ip") {
		t.Errorf("the refusal was not logged: %s", logs.String())
	}
	// Free a slot: the server notices the close asynchronously, so try a
	// bounded number of times.
	held[0].c.Close()
	served := false
	for range 200 {
		k := dial(t, addr)
		if code, err := k.get(); err == nil && code == http.StatusOK {
			served = true
			break
		}
		k.c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	if !served {
		t.Fatal("a freed slot was never usable again")
	}
}

// --max-conns-per-ip 0 turns the cap off.
func TestMaxConnsPerIPOff(t *testing.T) {
	addr, _ := serveForTest(t, func(c *config.Config) { c.MaxConnsPerIP = 0 })
	for i := range 8 {
		if code, err := dial(t, addr).get(); err != nil || code != http.StatusOK {
			t.Fatalf("connection %d without a cap: %d %v", i+1, code, err)
		}
	}
}

// A client that dribbles its request headers (slowloris) is disconnected
// once ReadHeaderTimeout has passed, however steadily it keeps sending.
func TestSlowHeadersAreCutOff(t *testing.T) {
	addr, _ := serveForTest(t, func(c *config.Config) { c.ReadHeaderTimeout = 300 * time.Millisecond })
	k := dial(t, addr)
	if _, err := io.WriteString(k.c, "GET /healthz HTTP/1.1\r\nHost: gatehouse.test\r\n"); err != nil {
		t.Fatal(err)
	}
	closed := make(chan []byte, 1)
	go func() { b, _ := io.ReadAll(k.c); closed <- b }()
	var got []byte
	cut := false
	for i := 0; i < 1000 && !cut; i++ { // a header line every 20 ms, never the blank line
		select {
		case got = <-closed:
			cut = true
		case <-time.After(20 * time.Millisecond):
			if _, err := io.WriteString(k.c, "X-Slow: 1\r\n"); err != nil {
				got, cut = <-closed, true
			}
		}
	}
	if !cut {
		t.Fatal("the server kept a connection whose headers never finished")
	}
	if bytes.Contains(got, []byte("200 OK")) {
		t.Fatalf("an unfinished request was answered: %q", got)
	}
	var ne net.Error
	if _, err := k.c.Read(make([]byte, 1)); err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("the connection is still open: %v", err)
	}
}

// The cap counts the TCP peer, IPv6 per /64; trusted proxies are not capped.
func TestPerIPListenerClientKey(t *testing.T) {
	l := limitPerIP(nil, 1, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, nil).(*perIPListener)
	for addr, want := range map[string]string{
		"192.0.2.7:1234":                   "192.0.2.7",
		"[::ffff:192.0.2.7]:1":             "192.0.2.7",
		"[2001:db8:1:2:aaaa::1]:443":       "2001:db8:1:2::",
		"[2001:db8:1:2:ffff:ffff::9]:8443": "2001:db8:1:2::",
		"[2001:db8:1:3::1]:443":            "2001:db8:1:3::",
		"10.1.2.3:5555":                    "exempt",
	} {
		got := "exempt"
		if k, ok := l.client(net.TCPAddrFromAddrPort(netip.MustParseAddrPort(addr))); ok {
			got = k.String()
		}
		if got != want {
			t.Errorf("%s counts as %s, want %s", addr, got, want)
		}
	}
}
