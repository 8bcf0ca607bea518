package apitest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Delivery is one webhook request a Receiver got.
type Delivery struct {
	ID, Timestamp, Signature string
	Body                     []byte
	Event                    map[string]any
	Valid                    bool // the signature verified against the receiver's secret
}

// Type returns the event type.
func (d Delivery) Type() string { s, _ := d.Event["type"].(string); return s }

// Data returns the event's data object.
func (d Delivery) Data() map[string]any { m, _ := d.Event["data"].(map[string]any); return m }

// Receiver is a loopback webhook endpoint that checks Svix signatures with
// its own implementation of the scheme (independent of the server's).
type Receiver struct {
	URL string

	mu         sync.Mutex
	secret     string
	deliveries []Delivery
	status     func(n int) int
}

// NewReceiver starts a receiver; it answers 204 unless SetStatus says otherwise.
func NewReceiver(t testing.TB) *Receiver {
	r := &Receiver{}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/hooks"
	return r
}

// SetSecret sets the whsec_ secret signatures are checked against.
func (r *Receiver) SetSecret(s string) { r.mu.Lock(); r.secret = s; r.mu.Unlock() }

// SetStatus makes the receiver answer status(n) to its n-th request (from 1).
func (r *Receiver) SetStatus(f func(n int) int) { r.mu.Lock(); r.status = f; r.mu.Unlock() }

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	d := Delivery{ID: req.Header.Get("svix-id"), Timestamp: req.Header.Get("svix-timestamp"), Signature: req.Header.Get("svix-signature"), Body: body}
	_ = json.Unmarshal(body, &d.Event)
	r.mu.Lock()
	d.Valid = req.Method == http.MethodPost && req.Header.Get("Content-Type") == "application/json" && VerifySvix(r.secret, d.ID, d.Timestamp, d.Signature, body, time.Now())
	r.deliveries = append(r.deliveries, d)
	n, status := len(r.deliveries), r.status
	r.mu.Unlock()
	code := http.StatusNoContent
	if status != nil {
		code = status(n) // outside the lock: it may sleep to simulate a slow endpoint
	}
	w.WriteHeader(code)
	_, _ = io.WriteString(w, "receiver says "+strconv.Itoa(code))
}

// Deliveries returns a copy of everything received so far.
func (r *Receiver) Deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.deliveries...)
}

// WaitFor waits until cond holds for the deliveries received so far.
func (r *Receiver) WaitFor(t testing.TB, what string, timeout time.Duration, cond func([]Delivery) bool) []Delivery {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ds := r.Deliveries()
		if cond(ds) {
			return ds
		}
		if time.Now().After(deadline) {
			types := make([]string, len(ds))
			for i, d := range ds {
				types[i] = d.Type()
			}
			t.Fatalf("timed out waiting for %s; got %d deliveries: %v", what, len(ds), types)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// VerifySvix checks a Svix signature header: any "v1,<base64 HMAC-SHA256 of
// id.timestamp.body>" entry under the whsec_ secret, and a timestamp within
// five minutes of now.
func VerifySvix(secret, id, ts, header string, body []byte, now time.Time) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || len(key) == 0 || id == "" {
		return false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, part := range strings.Fields(header) {
		v, sig, ok := strings.Cut(part, ",")
		if !ok || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// RunDispatcher runs the server's webhook dispatcher until the test ends.
func (s *Server) RunDispatcher() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.App.Dispatch.Run(ctx) }()
	s.t.Cleanup(func() { cancel(); <-done })
}

// AddEndpoint registers r as a webhook endpoint for the given event types
// (every event when none) through the Backend API and returns its id.
func (s *Server) AddEndpoint(r *Receiver, types ...string) string {
	s.t.Helper()
	body := map[string]any{"url": r.URL, "description": "test receiver"}
	if len(types) > 0 {
		body["event_types"] = types
	}
	res := s.BAPI("POST", "/webhooks/endpoints", body)
	var ep struct{ ID, Secret string }
	res.JSON(s.t, &ep)
	if res.Status != 200 || !strings.HasPrefix(ep.Secret, "whsec_") {
		s.t.Fatalf("create webhook endpoint: %d %s", res.Status, res.Body)
	}
	r.SetSecret(ep.Secret)
	return ep.ID
}
