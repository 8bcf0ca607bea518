package store

import (
	"context"
	"sync/atomic"
)

// Counts are statements (Exec, Query and QueryRow calls) and committed
// write transactions.
type Counts struct {
	Statements int64 `json:"statements"`
	WriteTxs   int64 `json:"write_txs"`
}

// Counter accumulates Counts; safe for concurrent use. The store keeps one
// for everything it runs (Store.Counts), and a context made by WithCounter
// carries another that counts only the work done with that context.
type Counter struct {
	statements atomic.Int64
	writeTxs   atomic.Int64
}

// Counts returns what the counter has seen so far.
func (c *Counter) Counts() Counts {
	return Counts{Statements: c.statements.Load(), WriteTxs: c.writeTxs.Load()}
}

type counterKey struct{}

// WithCounter returns a context whose statements and write transactions are
// also counted in the returned Counter (the request-level count the tests
// and the bench's per-request statistics read).
func WithCounter(ctx context.Context) (context.Context, *Counter) {
	c := &Counter{}
	return context.WithValue(ctx, counterKey{}, c), c
}

func (q *Q) countStatement(ctx context.Context) {
	if q.counter != nil {
		q.counter.statements.Add(1)
	}
	if c, ok := ctx.Value(counterKey{}).(*Counter); ok {
		c.statements.Add(1)
	}
}

func (s *Store) countWriteTx(ctx context.Context) {
	s.counter.writeTxs.Add(1)
	if c, ok := ctx.Value(counterKey{}).(*Counter); ok {
		c.writeTxs.Add(1)
	}
}

// Counts returns the statements and write transactions the store has run
// since it was opened.
func (s *Store) Counts() Counts { return s.counter.Counts() }
