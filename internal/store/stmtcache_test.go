package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func openTestSQLite(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func (c *stmtCache) has(query string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.m[query]
	return ok
}

// A statement first seen inside a write transaction cannot be prepared there
// (the transaction holds the writer's only connection); it runs unprepared
// and is prepared once the transaction commits.
func TestStmtCachePreparesAfterCommit(t *testing.T) {
	s := openTestSQLite(t)
	ctx := context.Background()
	const query = "SELECT COUNT(*) + ? FROM users"
	for i := range 3 {
		var n int
		if err := s.Tx(ctx, func(q *Q) error { return q.queryRow(ctx, query, 40+i).Scan(&n) }); err != nil {
			t.Fatal(err)
		}
		if n != 40+i {
			t.Fatalf("run %d: got %d", i, n)
		}
		if !s.wc.has(query) {
			t.Fatalf("run %d: statement not prepared after commit", i)
		}
	}
	var n int
	if err := s.Q().queryRow(ctx, query, 1).Scan(&n); err != nil || n != 1 || !s.rc.has(query) {
		t.Fatalf("reader: n=%d err=%v cached=%v", n, err, s.rc.has(query))
	}
}

// Writers, readers and first-time statements together must neither deadlock
// nor mix up results; past the bound, queries still run (unprepared).
func TestStmtCacheConcurrentAndBounded(t *testing.T) {
	s := openTestSQLite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				query := fmt.Sprintf("SELECT ? + %d", (w*100+i)%700)
				var n int
				var err error
				if i%2 == 0 {
					err = s.Tx(ctx, func(q *Q) error { return q.queryRow(ctx, query, i).Scan(&n) })
				} else if w >= 3 {
					err = s.Q().queryRow(ctx, query, i).Scan(&n)
				} else {
					// At most three goroutines hold two reader connections
					// at once, fewer than the pool's four, as in real use.
					rows, qerr := s.Q().query(ctx, "SELECT version FROM schema_migrations")
					if qerr != nil {
						err = qerr
					} else {
						for rows.Next() { // a second query while the first still holds its connection
							if err = s.Q().queryRow(ctx, query, i).Scan(&n); err != nil {
								break
							}
						}
						rows.Close()
					}
				}
				if err == nil && n != i+(w*100+i)%700 {
					err = fmt.Errorf("%s with %d: got %d", query, i, n)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, c := range []*stmtCache{s.rc, s.wc} {
		c.mu.RLock()
		n := len(c.m) + len(c.pending)
		c.mu.RUnlock()
		if n > c.max {
			t.Fatalf("cache holds %d statements, bound %d", n, c.max)
		}
	}
}

// A transaction whose context ends before commit is rolled back and reports
// the cancellation (the HTTP layer then logs no internal error).
func TestTxCanceledBeforeCommit(t *testing.T) {
	s := openTestSQLite(t)
	ctx, cancel := context.WithCancel(context.Background())
	err := s.Tx(ctx, func(q *Q) error {
		if _, err := q.exec(ctx, "CREATE TABLE canceled_probe (x INTEGER)"); err != nil {
			return err
		}
		cancel()
		time.Sleep(50 * time.Millisecond) // database/sql rolls back on cancel
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	var n int
	if err := s.Q().queryRow(context.Background(), "SELECT COUNT(*) FROM sqlite_master WHERE name = 'canceled_probe'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("the canceled transaction left its table behind: n=%d err=%v", n, err)
	}
}
