// Package apitest starts a real Gatehouse (in-process, on a loopback port,
// with its own fresh database) for endpoint tests, and offers a small JSON
// client for driving it.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// Server is a running test instance.
type Server struct {
	App       *server.App
	URL       string // base URL of the public listener
	SecretKey string
	Mail      *mail.Capture // every e-mail the server sent
	Logs      *Logs         // the ERROR lines the server logged
	t         testing.TB
}

// Engine selects the database for Start.
type Engine string

// Engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Each runs body against a fresh server on SQLite and, when configured, on
// PostgreSQL.
func Each(t *testing.T, body func(t *testing.T, s *Server)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { body(t, Start(t, SQLite)) })
	t.Run("postgres", func(t *testing.T) { body(t, Start(t, Postgres)) })
}

// Start boots a server on a fresh database of the given engine, with rate
// limits off (tests drive many flows from one loopback address; the
// rate-limit tests turn them on with StartConfig).
func Start(t testing.TB, e Engine) *Server {
	t.Helper()
	return StartConfig(t, e, nil)
}

// StartConfig is Start with a hook to adjust the configuration first.
func StartConfig(t testing.TB, e Engine, mut func(*config.Config)) *Server {
	t.Helper()
	cfg := config.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Mode: config.ModeDevelopment,
		LogLevel: "error", LogFormat: "text", WebhookAllowPrivate: true, RateLimits: "off"}
	if e == Postgres {
		cfg.DatabaseURL = storetest.PostgresURL(t)
	}
	if mut != nil {
		mut(&cfg)
	}
	ts := httptest.NewUnstartedServer(nil)
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + ts.Listener.Addr().String()
	}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = server.NewLogger(cfg, &testWriter{t})
	}
	logs := &Logs{}
	log = slog.New(logs.wrap(log.Handler()))
	capture := &mail.Capture{}
	if cfg.MailSender == nil {
		cfg.MailSender = capture
	}
	app, err := server.Open(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("open server: %v", err)
	}
	ts.Config.Handler = app.Handler()
	ts.Start()
	t.Cleanup(func() { ts.Close(); app.Close() })
	return &Server{App: app, URL: ts.URL, SecretKey: app.Bootstrap.SecretKey, Mail: capture, Logs: logs, t: t}
}

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimSpace(p)))
	return len(p), nil
}

// Response is a decoded HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Map decodes the body as an object.
func (r *Response) Map(t testing.TB) map[string]any {
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// ErrorCode returns errors[0].code of a Clerk error envelope, or "".
func (r *Response) ErrorCode() string {
	var e struct {
		Errors []struct{ Code string } `json:"errors"`
	}
	if json.Unmarshal(r.Body, &e) != nil || len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Code
}

// Do sends a request with a raw body (string or []byte; anything else is
// JSON-encoded) and headers, and reads the whole response.
func (s *Server) Do(method, path string, body any, header map[string]string) *Response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// BAPI sends a Backend API request authenticated with the bootstrap secret key.
func (s *Server) BAPI(method, path string, body any) *Response {
	s.t.Helper()
	return s.Do(method, "/api/v1"+path, body, map[string]string{"Authorization": "Bearer " + s.SecretKey})
}
