package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Q runs queries on the reader pool or inside a transaction. Queries are
// written with ? placeholders; rebind turns them into $n for PostgreSQL.
type Q struct {
	db          querier
	engine      Engine
	cache       *stmtCache // nil: no statement caching (PostgreSQL)
	counter     *Counter   // the store's; nil for a Q made outside Store
	afterCommit []func()
	// enabledEndpoints memoises EnabledEndpoints within a transaction.
	enabledEndpoints []*EndpointRow
}

// AfterCommit runs fn once the transaction q belongs to has committed (never
// on rollback). Outside a transaction it runs fn at once.
func (q *Q) AfterCommit(fn func()) {
	if _, inTx := q.db.(*sql.Tx); !inTx {
		fn()
		return
	}
	q.afterCommit = append(q.afterCommit, fn)
}

func (q *Q) rebind(query string) string {
	if q.engine != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

func (q *Q) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	q.countStatement(ctx)
	if st := q.stmt(ctx, query); st != nil {
		res, err := st.ExecContext(ctx, args...)
		return res, mapErr(err)
	}
	res, err := q.db.ExecContext(ctx, q.rebind(query), args...)
	return res, mapErr(err)
}

func (q *Q) query(ctx context.Context, query string, args ...any) (*rows, error) {
	q.countStatement(ctx)
	if st := q.stmt(ctx, query); st != nil {
		rs, err := st.QueryContext(ctx, args...)
		return wrapRows(rs), mapErr(err)
	}
	rs, err := q.db.QueryContext(ctx, q.rebind(query), args...)
	return wrapRows(rs), mapErr(err)
}

func (q *Q) queryRow(ctx context.Context, query string, args ...any) row {
	q.countStatement(ctx)
	if st := q.stmt(ctx, query); st != nil {
		return row{st.QueryRowContext(ctx, args...)}
	}
	return row{q.db.QueryRowContext(ctx, q.rebind(query), args...)}
}

// row and rows are *sql.Row and *sql.Rows whose errors say
// gatehouse.ErrUnavailable when the database could not answer (see
// markUnavailable); every other error is left as the driver reported it.
type row struct{ r *sql.Row }

func (r row) Scan(dest ...any) error { return markUnavailable(r.r.Scan(dest...)) }

type rows struct{ *sql.Rows }

func wrapRows(rs *sql.Rows) *rows {
	if rs == nil {
		return nil
	}
	return &rows{rs}
}

func (r *rows) Scan(dest ...any) error { return markUnavailable(r.Rows.Scan(dest...)) }

func (r *rows) Err() error { return markUnavailable(r.Rows.Err()) }

// mapErr turns engine-specific unique violations into *gatehouse.ErrConflict
// and sql.ErrNoRows into gatehouse.ErrNotFound.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return gatehouse.ErrNotFound
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		return &gatehouse.ErrConflict{Field: conflictField(pg.ConstraintName + " " + pg.Detail)}
	}
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return &gatehouse.ErrConflict{Field: conflictField(se.Error())}
	}
	return markUnavailable(err)
}

// conflictField names the logical field behind a unique-constraint message.
func conflictField(msg string) string {
	switch {
	case strings.Contains(msg, "value_norm"):
		return "identification"
	case strings.Contains(msg, "username"):
		return "username"
	case strings.Contains(msg, "external_id"):
		return "external_id"
	case strings.Contains(msg, "hash"):
		return "hash"
	default:
		return "id"
	}
}

// inList returns "?,?,?" for n placeholders.
func inList(n int) string {
	if n <= 0 {
		return "NULL"
	}
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// AdvisoryLock takes a transaction-scoped lock on PostgreSQL so nodes that
// start together serialise one-time work. SQLite needs none: its single
// writer already serialises write transactions.
func (q *Q) AdvisoryLock(ctx context.Context, key int64) error {
	if q.engine != Postgres {
		return nil
	}
	_, err := q.exec(ctx, "SELECT pg_advisory_xact_lock(?)", key)
	return err
}

// splitCols splits a comma-separated column list, trimming white space.
func splitCols(cols string) []string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// ExecRaw runs one statement (placeholders as ?) in q: for tests that need
// to put a row into a state only time would produce, and for tools.
func (q *Q) ExecRaw(ctx context.Context, query string, args ...any) error {
	_, err := q.exec(ctx, query, args...)
	return err
}
