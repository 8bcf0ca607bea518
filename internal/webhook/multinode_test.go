package webhook_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/internal/webhook"
)

// openShared opens n store handles on one database: a PostgreSQL schema, or
// one SQLite file (separate handles, as separate processes would have).
func openShared(t *testing.T, engine string, n int) []*store.Store {
	t.Helper()
	var opts store.Options
	switch engine {
	case "postgres":
		if os.Getenv(storetest.EnvPostgres) == "" {
			t.Skip(storetest.EnvPostgres + " is not set; skipping the PostgreSQL multi-node test (.ci/run sets it)")
		}
		opts.DatabaseURL = storetest.PostgresURL(t)
	default:
		opts.DataDir = t.TempDir()
	}
	out := make([]*store.Store, n)
	for i := range out {
		st, err := store.Open(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if _, err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		out[i] = st
	}
	return out
}

// Three nodes dispatch from one database at once: every message reaches the
// receiver exactly once (no duplicate first deliveries).
func TestMultiNodeNoDuplicateDeliveries(t *testing.T) {
	for _, engine := range []string{"postgres", "sqlite"} {
		t.Run(engine, func(t *testing.T) {
			const nodes, events = 3, 600
			stores := openShared(t, engine, nodes)
			sealer := newSealer(t)
			clock := gatehouse.NewFakeClock(time.Now()) // fixed: no lease expires, so any repeat is a double claim
			first := newEnv(t, stores[0], sealer, clock)
			r := apitest.NewReceiver(t)
			first.endpoint(t, r)

			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			perNode := make([]int, nodes)
			for i, st := range stores {
				d := webhook.NewDispatcher(webhook.DispatcherOptions{Store: st, Sealer: sealer, Clock: clock, Log: discard(), AllowPrivate: true,
					Batch: 8, Workers: 4, Idle: 5 * time.Millisecond})
				wg.Add(1)
				go func() {
					defer wg.Done()
					for ctx.Err() == nil {
						n, err := d.RunOnce(ctx)
						if err != nil && ctx.Err() == nil {
							t.Errorf("node %d: %v", i, err)
							return
						}
						perNode[i] += n
						if n == 0 {
							time.Sleep(d.Idle)
						}
					}
				}()
			}
			// Events keep arriving while the nodes dispatch.
			for range events {
				first.emit(t, gatehouse.EventSessionCreated)
			}
			r.WaitFor(t, "every event", 60*time.Second, func(ds []apitest.Delivery) bool { return len(ds) >= events })
			time.Sleep(200 * time.Millisecond)
			cancel()
			wg.Wait()

			seen := map[string]int{}
			for _, d := range r.Deliveries() {
				seen[d.ID]++
				if seen[d.ID] > 1 {
					t.Errorf("message %s delivered %d times", d.ID, seen[d.ID])
				}
			}
			if len(seen) != events {
				t.Fatalf("%d distinct messages delivered, want %d", len(seen), events)
			}
			if c := first.counts(t); c["delivered"] != events {
				t.Fatalf("counts: %v", c)
			}
			working := 0
			for _, n := range perNode {
				if n > 0 {
					working++
				}
			}
			t.Logf("deliveries per node: %v", perNode)
			if engine == "postgres" && working < 2 {
				t.Errorf("only %d of %d nodes did work: %v", working, nodes, perNode)
			}
		})
	}
}
