package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements per query text, so SQLite does not
// parse and plan the same SQL on every request (a tenth of the CPU of a
// token refresh before it existed). PostgreSQL needs none: pgx already
// caches prepared statements per connection. The cache is bounded; queries
// beyond it (dynamic IN lists of unusual sizes) run unprepared.
//
// The SQLite writer pool has exactly one connection, and a transaction holds
// it: preparing on the pool from inside that transaction would wait for the
// connection forever. So a statement first seen inside a transaction runs
// unprepared and is queued; Store.Tx prepares the queue once the transaction
// has released the connection.
type stmtCache struct {
	db      *sql.DB
	mu      sync.RWMutex
	m       map[string]*sql.Stmt
	pending map[string]struct{}
	max     int
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, pending: map[string]struct{}{}, max: 512}
}

// get returns the prepared statement for query, or nil when the query must
// run unprepared this time: the cache is full, preparing failed (running
// the query directly then reports the error the usual way), or inTx and the
// statement is not prepared yet.
func (c *stmtCache) get(ctx context.Context, query string, inTx bool) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	st, ok := c.m[query]
	c.mu.RUnlock()
	if ok {
		return st
	}
	c.mu.Lock()
	if len(c.m)+len(c.pending) >= c.max {
		c.mu.Unlock()
		return nil
	}
	if inTx {
		c.pending[query] = struct{}{}
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	// Prepare without holding mu (it may wait for a connection).
	st, err := c.db.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[query]; ok {
		st.Close()
		return prev
	}
	if len(c.m) >= c.max {
		st.Close()
		return nil
	}
	c.m[query] = st
	return st
}

// preparePending prepares the statements queued by transactions. Call it
// only while holding no connection of c's pool.
func (c *stmtCache) preparePending(ctx context.Context) {
	if c == nil {
		return
	}
	// Never hold mu while waiting for a connection: the transaction that
	// holds the connection may be waiting for mu.
	c.mu.Lock()
	queries := make([]string, 0, len(c.pending))
	for query := range c.pending {
		delete(c.pending, query)
		if _, ok := c.m[query]; !ok {
			queries = append(queries, query)
		}
	}
	c.mu.Unlock()
	for _, query := range queries {
		st, err := c.db.PrepareContext(context.WithoutCancel(ctx), query)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, ok := c.m[query]; ok || len(c.m) >= c.max {
			st.Close()
		} else {
			c.m[query] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) hasPending() bool {
	if c == nil {
		return false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.pending) > 0
}

// close releases every prepared statement.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		st.Close()
		delete(c.m, q)
	}
}

// stmt returns a prepared statement for query usable by q (bound to q's
// transaction when it has one), or nil.
func (q *Q) stmt(ctx context.Context, query string) *sql.Stmt {
	tx, inTx := q.db.(*sql.Tx)
	st := q.cache.get(ctx, query, inTx)
	if st == nil {
		return nil
	}
	if inTx {
		return tx.StmtContext(ctx, st)
	}
	return st
}
