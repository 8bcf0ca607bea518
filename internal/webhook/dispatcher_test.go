package webhook_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/keys"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/internal/webhook"
)

// env is one node's webhook machinery over a store, on a fake clock.
type env struct {
	st    *store.Store
	clock *gatehouse.FakeClock
	svc   *webhook.Service
	out   *webhook.Outbox
	disp  *webhook.Dispatcher
}

func newSealer(t testing.TB) *keys.Sealer {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	s, err := keys.NewSealer(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newEnv(t testing.TB, st *store.Store, sealer *keys.Sealer, clock *gatehouse.FakeClock) *env {
	disp := webhook.NewDispatcher(webhook.DispatcherOptions{Store: st, Sealer: sealer, Clock: clock, Log: discard(), AllowPrivate: true, Timeout: 5 * time.Second})
	return &env{st: st, clock: clock, disp: disp,
		svc: webhook.New(webhook.Options{Store: st, Sealer: sealer, Clock: clock, AllowPrivate: true, Dispatcher: disp}),
		out: webhook.NewOutbox(webhook.OutboxOptions{InstanceID: func() string { return "ins_test" }, Clock: clock})}
}

func (e *env) endpoint(t testing.TB, r *apitest.Receiver, types ...string) *webhook.Endpoint {
	t.Helper()
	p := webhook.EndpointParams{URL: &r.URL}
	if len(types) > 0 {
		p.EventTypes = &types
	}
	ep, err := e.svc.Create(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	r.SetSecret(ep.Secret)
	return ep
}

// emit records a session event for a made-up session.
func (e *env) emit(t testing.TB, typ gatehouse.Event) {
	t.Helper()
	now := e.clock.Now().UnixMilli()
	sess := &gatehouse.Session{ID: gatehouse.NewID("sess_"), UserID: "user_1", ClientID: "client_1", Status: gatehouse.SessionActive,
		ExpireAt: now + 3600_000, LastActiveAt: now, CreatedAt: now, UpdatedAt: now}
	if err := e.st.Tx(context.Background(), func(q *store.Q) error { return e.out.Emit(context.Background(), q, typ, sess) }); err != nil {
		t.Fatal(err)
	}
}

func (e *env) runOnce(t testing.TB) int {
	t.Helper()
	n, err := e.disp.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *env) counts(t testing.TB) map[string]int {
	t.Helper()
	c, err := e.st.Q().DeliveryCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDeliverySignedAndLogged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, newSealer(t), gatehouse.NewFakeClock(time.Now()))
		r := apitest.NewReceiver(t)
		ep := e.endpoint(t, r)
		e.emit(t, gatehouse.EventSessionCreated)
		if n := e.runOnce(t); n != 1 {
			t.Fatalf("handled %d", n)
		}
		ds := r.Deliveries()
		if len(ds) != 1 || !ds[0].Valid || ds[0].Type() != "session.created" || ds[0].Event["instance_id"] != "ins_test" {
			t.Fatalf("deliveries: %+v", ds)
		}
		if ds[0].Timestamp != strconv.FormatInt(e.clock.Now().Unix(), 10) {
			t.Fatalf("svix-timestamp %s", ds[0].Timestamp)
		}
		log, err := e.svc.Attempts(context.Background(), ep.ID, "", 10)
		if err != nil || len(log) != 1 || log[0].StatusCode != 204 || log[0].Status != "delivered" || log[0].MessageID != ds[0].ID {
			t.Fatalf("log: %+v %v", log, err)
		}
		if n := e.runOnce(t); n != 0 {
			t.Fatalf("a delivered message was claimed again (%d)", n)
		}
	})
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// verifyAt checks a delivery's signature as of its own timestamp (the fake
// clock runs ahead of the receiver's real one).
func verifyAt(secret string, d apitest.Delivery) bool {
	sec, _ := strconv.ParseInt(d.Timestamp, 10, 64)
	return apitest.VerifySvix(secret, d.ID, d.Timestamp, d.Signature, d.Body, time.Unix(sec, 0))
}

// A failing endpoint is retried on the published schedule (immediately, 5 s,
// 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) with the same svix-id, then the
// delivery fails for good; every attempt is logged.
func TestRetrySchedule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, newSealer(t), gatehouse.NewFakeClock(time.Now()))
		r := apitest.NewReceiver(t)
		r.SetStatus(func(int) int { return 503 })
		ep := e.endpoint(t, r)
		e.emit(t, gatehouse.EventSessionCreated)
		if n := e.runOnce(t); n != 1 {
			t.Fatalf("first attempt: %d", n)
		}
		for i := 1; i < len(webhook.Backoff); i++ {
			e.clock.Advance(webhook.Backoff[i] - time.Millisecond)
			if n := e.runOnce(t); n != 0 {
				t.Fatalf("retry %d sent %s early", i, time.Millisecond)
			}
			e.clock.Advance(time.Millisecond)
			if n := e.runOnce(t); n != 1 {
				t.Fatalf("retry %d not sent after %s", i, webhook.Backoff[i])
			}
		}
		if c := e.counts(t); c["failed"] != 1 || c["pending"] != 0 {
			t.Fatalf("after the last retry: %v", c)
		}
		e.clock.Advance(48 * time.Hour)
		if n := e.runOnce(t); n != 0 {
			t.Fatal("a failed delivery was sent again")
		}
		ds := r.Deliveries()
		if len(ds) != len(webhook.Backoff) {
			t.Fatalf("%d attempts, want %d", len(ds), len(webhook.Backoff))
		}
		for _, d := range ds {
			if d.ID != ds[0].ID || !verifyAt(ep.Secret, d) || string(d.Body) != string(ds[0].Body) {
				t.Fatalf("retry differs from the first attempt or does not verify: %+v", d)
			}
		}
		log, err := e.svc.Attempts(context.Background(), ep.ID, ds[0].ID, 100)
		if err != nil || len(log) != len(webhook.Backoff) || log[0].StatusCode != 503 || log[0].Status != "failed" ||
			log[0].ResponseSnippet != "receiver says 503" {
			t.Fatalf("log: %+v %v", log, err)
		}
		got, _ := e.svc.Get(context.Background(), ep.ID)
		if got.FailingSince == nil || got.Disabled {
			t.Fatalf("endpoint after failures: %+v", got.EndpointRow)
		}
	})
}

// After a few failures the endpoint recovers: delivered, failing_since cleared.
func TestRecovery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, newSealer(t), gatehouse.NewFakeClock(time.Now()))
		r := apitest.NewReceiver(t)
		r.SetStatus(func(n int) int { return map[bool]int{true: 500, false: 200}[n <= 2] })
		ep := e.endpoint(t, r)
		e.emit(t, gatehouse.EventSessionEnded)
		e.runOnce(t)
		if got, _ := e.svc.Get(context.Background(), ep.ID); got.FailingSince == nil {
			t.Fatal("failing_since not set after a failure")
		}
		e.clock.Advance(5 * time.Second)
		e.runOnce(t)
		e.clock.Advance(5 * time.Minute)
		e.runOnce(t)
		if c := e.counts(t); c["delivered"] != 1 {
			t.Fatalf("counts: %v", c)
		}
		if got, _ := e.svc.Get(context.Background(), ep.ID); got.FailingSince != nil {
			t.Fatal("failing_since not cleared after a success")
		}
	})
}

// An endpoint failing for more than five days is disabled; its deliveries
// wait and resume when it is enabled again.
func TestDisableAfterDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, newSealer(t), gatehouse.NewFakeClock(time.Now()))
		r := apitest.NewReceiver(t)
		var failing atomic.Bool
		failing.Store(true)
		r.SetStatus(func(int) int { return map[bool]int{true: 500, false: 200}[failing.Load()] })
		ep := e.endpoint(t, r)
		e.emit(t, gatehouse.EventSessionCreated)
		e.runOnce(t)
		e.clock.Advance(webhook.DisableAfter + time.Hour)
		e.emit(t, gatehouse.EventSessionCreated)
		if n := e.runOnce(t); n != 2 {
			t.Fatalf("handled %d", n)
		}
		got, _ := e.svc.Get(context.Background(), ep.ID)
		if !got.Disabled {
			t.Fatal("endpoint failing for over five days is still enabled")
		}
		e.emit(t, gatehouse.EventSessionCreated) // not queued for a disabled endpoint
		failing.Store(false)
		e.clock.Advance(24 * time.Hour)
		if n := e.runOnce(t); n != 0 {
			t.Fatalf("a disabled endpoint got %d deliveries", n)
		}
		enabled := false
		if _, err := e.svc.Update(context.Background(), ep.ID, webhook.EndpointParams{Disabled: &enabled}, false); err != nil {
			t.Fatal(err)
		}
		if n := e.runOnce(t); n != 2 {
			t.Fatalf("after enabling: %d", n)
		}
		if c := e.counts(t); c["delivered"] != 2 || c["pending"] != 0 {
			t.Fatalf("counts: %v", c)
		}
	})
}

func TestEventFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, newSealer(t), gatehouse.NewFakeClock(time.Now()))
		all, ended := apitest.NewReceiver(t), apitest.NewReceiver(t)
		e.endpoint(t, all)
		e.endpoint(t, ended, string(gatehouse.EventSessionEnded))
		e.emit(t, gatehouse.EventSessionCreated)
		e.emit(t, gatehouse.EventSessionEnded)
		e.runOnce(t)
		if len(all.Deliveries()) != 2 || len(ended.Deliveries()) != 1 || ended.Deliveries()[0].Type() != "session.ended" {
			t.Fatalf("all got %d, filtered got %+v", len(all.Deliveries()), ended.Deliveries())
		}
	})
}

// An event belongs to its transaction: rolled back, nothing is sent.
func TestOutboxIsTransactional(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, newSealer(t), gatehouse.NewFakeClock(time.Now()))
		r := apitest.NewReceiver(t)
		e.endpoint(t, r)
		notified := 0
		e.out = webhook.NewOutbox(webhook.OutboxOptions{InstanceID: func() string { return "ins_test" }, Clock: e.clock,
			Notify: func() { notified++ }})
		boom := errors.New("boom")
		err := st.Tx(context.Background(), func(q *store.Q) error {
			s := &gatehouse.Session{ID: "sess_x", UserID: "user_x"}
			if err := e.out.Emit(context.Background(), q, gatehouse.EventSessionCreated, s); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || notified != 0 {
			t.Fatalf("tx: %v, notified %d", err, notified)
		}
		if c := e.counts(t); len(c) != 0 {
			t.Fatalf("rolled-back event left deliveries: %v", c)
		}
		if msgs, _ := st.Q().MessagesSince(context.Background(), 0, 10); len(msgs) != 0 {
			t.Fatalf("rolled-back event left messages: %d", len(msgs))
		}
		e.emit(t, gatehouse.EventSessionCreated)
		if notified != 1 {
			t.Fatalf("committed event notified %d times", notified)
		}
		if e.runOnce(t); len(r.Deliveries()) != 1 {
			t.Fatal("committed event not delivered")
		}
	})
}

// Redirects are not followed (they could point anywhere); a 3xx is a failure.
func TestNoRedirects(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), newSealer(t), gatehouse.NewFakeClock(time.Now()))
	target := apitest.NewReceiver(t)
	var hits atomic.Int32
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	u := redirector.URL
	ep, err := e.svc.Create(context.Background(), webhook.EndpointParams{URL: &u})
	if err != nil {
		t.Fatal(err)
	}
	e.emit(t, gatehouse.EventSessionCreated)
	e.runOnce(t)
	log, _ := e.svc.Attempts(context.Background(), ep.ID, "", 10)
	if hits.Load() != 1 || len(target.Deliveries()) != 0 || len(log) != 1 || log[0].StatusCode != 307 || log[0].Status != "pending" {
		t.Fatalf("hits=%d target=%d log=%+v", hits.Load(), len(target.Deliveries()), log)
	}
}

// The SSRF guard checks the address actually dialled, after DNS: a host
// name resolving to loopback is refused at send time.
func TestSSRFGuardAtSendTime(t *testing.T) {
	st := storetest.OpenSQLite(t)
	sealer := newSealer(t)
	e := newEnv(t, st, sealer, gatehouse.NewFakeClock(time.Now()))
	e.disp = webhook.NewDispatcher(webhook.DispatcherOptions{Store: st, Sealer: sealer, Clock: e.clock, Log: discard()}) // guard on
	r := apitest.NewReceiver(t)
	// Spellings of this machine that resolve from /etc/hosts or are literals
	// (no DNS query leaves the machine); each address is
	// refused by the dial guard before a connection is made (the classifier
	// itself is table-tested over every range in TestHostAddrAndDialGuard).
	hosts := []string{"localhost", "LOCALHOST", "127.0.0.1", "127.0.0.2", "[::1]", "[::ffff:127.0.0.1]"}
	for _, host := range hosts {
		u := strings.Replace(r.URL, "127.0.0.1", host, 1)
		if _, err := e.svc.Create(context.Background(), webhook.EndpointParams{URL: &u}); err != nil { // stored while private addresses were allowed
			t.Fatal(err)
		}
	}
	e.emit(t, gatehouse.EventSessionCreated)
	if n := e.runOnce(t); n != len(hosts) {
		t.Fatalf("handled %d", n)
	}
	if len(r.Deliveries()) != 0 {
		t.Fatal("the guard let a request reach a loopback address")
	}
	log, _ := e.svc.Attempts(context.Background(), "", "", 50)
	if len(log) != len(hosts) {
		t.Fatalf("%d attempts for %d endpoints", len(log), len(hosts))
	}
	for _, a := range log {
		if a.StatusCode != 0 || !strings.Contains(a.Error, "not allowed") {
			t.Fatalf("attempt: %+v", a)
		}
	}
}

func TestReplayAndRotate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newEnv(t, st, newSealer(t), gatehouse.NewFakeClock(time.Now()))
		r := apitest.NewReceiver(t)
		ep := e.endpoint(t, r)
		since := e.clock.Now().UnixMilli()
		e.emit(t, gatehouse.EventSessionCreated)
		e.emit(t, gatehouse.EventSessionEnded)
		e.runOnce(t)
		first := r.Deliveries()
		if len(first) != 2 {
			t.Fatalf("%d", len(first))
		}
		// Replay one message: same svix-id and body.
		if n, err := e.svc.ReplayMessage(ctx, first[0].ID, ""); err != nil || n != 1 {
			t.Fatalf("replay: %d %v", n, err)
		}
		e.runOnce(t)
		ds := r.Deliveries()
		if len(ds) != 3 || ds[2].ID != first[0].ID || string(ds[2].Body) != string(first[0].Body) || !ds[2].Valid {
			t.Fatalf("replayed: %+v", ds[2])
		}
		// Rotate: later deliveries are signed with the new secret only.
		rot, err := e.svc.Update(ctx, ep.ID, webhook.EndpointParams{}, true)
		if err != nil || rot.Secret == ep.Secret {
			t.Fatalf("rotate: %v", err)
		}
		// Replay everything since a time to the endpoint.
		if n, err := e.svc.ReplaySince(ctx, ep.ID, since); err != nil || n != 2 {
			t.Fatalf("replay since: %d %v", n, err)
		}
		e.runOnce(t)
		ds = r.Deliveries()[3:]
		if len(ds) != 2 || ds[0].Valid {
			t.Fatalf("after rotation: %d deliveries, valid under the old secret: %v", len(ds), len(ds) > 0 && ds[0].Valid)
		}
		for _, d := range ds {
			if !verifyAt(rot.Secret, d) {
				t.Fatal("not signed with the rotated secret")
			}
		}
		if _, err := e.svc.ReplayMessage(ctx, "msg_nope", ""); !isNotFound(err) {
			t.Fatalf("unknown message: %v", err)
		}
		if _, err := e.svc.ReplaySince(ctx, "ep_nope", 0); !isNotFound(err) {
			t.Fatalf("unknown endpoint: %v", err)
		}
	})
}

func isNotFound(err error) bool {
	var ge *gatehouse.Error
	return errors.As(err, &ge) && ge.Status == http.StatusNotFound
}
