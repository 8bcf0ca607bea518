package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/internal/webhook"
)

// BenchmarkDispatch measures deliveries per second from the outbox to a
// loopback receiver (b.N deliveries, queued before the timer starts), with
// the default batch and worker settings. Run with
//
//	go test ./internal/webhook -run '^$' -bench Dispatch -benchtime 5000x
//
// and GATEHOUSE_TEST_POSTGRES_URL set for the PostgreSQL variant.
func BenchmarkDispatch(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchDispatch(b, storetest.OpenSQLite(b)) })
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv(storetest.EnvPostgres) == "" {
			b.Skip(storetest.EnvPostgres + " is not set")
		}
		benchDispatch(b, storetest.OpenPostgres(b))
	})
}

func benchDispatch(b *testing.B, st *store.Store) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	clock := gatehouse.NewFakeClock(time.Now())
	e := newEnv(b, st, newSealer(b), clock)
	e.disp = webhook.NewDispatcher(webhook.DispatcherOptions{Store: st, Sealer: e.svc.Sealer, Clock: clock, Log: discard(), AllowPrivate: true})
	u := srv.URL
	if _, err := e.svc.Create(context.Background(), webhook.EndpointParams{URL: &u}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	// Queue b.N events, 500 per transaction.
	for left := b.N; left > 0; {
		n := min(left, 500)
		err := st.Tx(ctx, func(q *store.Q) error {
			for range n {
				now := clock.Now().UnixMilli()
				s := &gatehouse.Session{ID: gatehouse.NewID("sess_"), UserID: "user_1", ClientID: "client_1", Status: gatehouse.SessionActive,
					ExpireAt: now + 3600_000, LastActiveAt: now, CreatedAt: now, UpdatedAt: now}
				if err := e.out.Emit(ctx, q, gatehouse.EventSessionCreated, s); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		left -= n
	}
	b.ResetTimer()
	start := time.Now()
	for got.Load() < int64(b.N) {
		if _, err := e.disp.RunOnce(ctx); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if c := e.counts(b); c["delivered"] != b.N {
		b.Fatalf("counts: %v", c)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
}

// BenchmarkSign is the raw cost of one Svix signature over a typical payload.
func BenchmarkSign(b *testing.B) {
	secret, _ := webhook.NewSecret()
	body := make([]byte, 2500)
	now := time.Now()
	for b.Loop() {
		if _, err := webhook.Sign(secret, "msg_2g7np7Hrk0SN6kj5EDMLDaKNL0S", now, body); err != nil {
			b.Fatal(err)
		}
	}
}
