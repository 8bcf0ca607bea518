// Package store is Gatehouse's one SQL store over database/sql, for SQLite
// (modernc.org/sqlite, the default) and PostgreSQL (pgx). The differences
// between the engines live in dialect.go; the schema lives in embedded,
// numbered migration files per engine. The store trusts its caller: business
// rules and authorization are decided above it.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Engine names a database engine.
type Engine string

// Supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Store is the SQL store. Reads go to a pool of readers; writes go through
// Tx. On SQLite the writer is a single connection, so writers queue inside
// Gatehouse instead of failing with "database is locked".
type Store struct {
	engine Engine
	w      *sql.DB
	r      *sql.DB
	dsn    string // for messages; never contains a password
	path   string // the SQLite file; "" on PostgreSQL
	// prepared statements on SQLite (nil on PostgreSQL)
	rc, wc *stmtCache
	// counter counts every statement and committed write transaction.
	counter *Counter
}

// Options configure Open.
type Options struct {
	// DatabaseURL selects the engine: empty or sqlite:PATH / file:PATH for
	// SQLite, postgres:// or postgresql:// for PostgreSQL.
	DatabaseURL string
	// DataDir is where the default SQLite file lives when DatabaseURL is empty.
	DataDir string
}

// Open connects to the database named by opts and checks that it answers. It
// does not migrate; call Migrate.
func Open(ctx context.Context, opts Options) (*Store, error) {
	u := strings.TrimSpace(opts.DatabaseURL)
	switch {
	case u == "":
		dir := opts.DataDir
		if dir == "" {
			dir = "gatehouse-data"
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory %q: %w", dir, err)
		}
		return openSQLite(ctx, filepath.Join(dir, "gatehouse.db"))
	case strings.HasPrefix(u, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(u, "sqlite:"), "//")
		if p == "" {
			return nil, errors.New("database URL sqlite: needs a file path, e.g. sqlite:./gatehouse-data/gatehouse.db")
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return nil, fmt.Errorf("create directory for %q: %w", p, err)
		}
		return openSQLite(ctx, p)
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return openPostgres(ctx, u)
	default:
		return nil, fmt.Errorf("unsupported database URL %q: use postgres://user@host:5432/db or sqlite:PATH (or leave it empty for SQLite in the data directory)", redact(u))
	}
}

// SQLite's own default mode for a new database is 0644 (less the umask), and
// its -wal and -shm files copy the database's mode. The database holds
// password hashes and sealed signing keys, so it is created 0600 before
// SQLite opens it, and a database, -wal or -shm file that grants group or
// other access (as earlier versions created it) loses that access on open.
func privateSQLiteFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create sqlite %q: %w", path, err)
	}
	f.Close()
	return tightenSQLiteFiles(path)
}

func tightenSQLiteFiles(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if m := fi.Mode().Perm(); m&0o077 != 0 {
			if err := os.Chmod(p, m&^0o077); err != nil {
				return fmt.Errorf("restrict %q to its owner: %w", p, err)
			}
		}
	}
	return nil
}

// Path is the SQLite database file ("" on PostgreSQL).
func (s *Store) Path() string { return s.path }

func openSQLite(ctx context.Context, path string) (*Store, error) {
	if err := privateSQLiteFiles(path); err != nil {
		return nil, err
	}
	pragmas := "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %q: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := pingTimeout(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %q: %w", path, err)
	}
	if err := tightenSQLiteFiles(path); err != nil { // -wal and -shm exist now
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %q: %w", path, err)
	}
	n := max(runtime.NumCPU()*2, 4)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &Store{engine: SQLite, w: w, r: r, dsn: "sqlite:" + path, path: path, rc: newStmtCache(r), wc: newStmtCache(w), counter: &Counter{}}, nil
}

func openPostgres(ctx context.Context, u string) (*Store, error) {
	if _, err := url.Parse(u); err != nil {
		return nil, fmt.Errorf("invalid database URL: %v", redactErr(err))
	}
	db, err := sql.Open("pgx", u)
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %v", redact(u), redactErr(err))
	}
	db.SetMaxOpenConns(max(runtime.NumCPU()*4, 8))
	db.SetMaxIdleConns(max(runtime.NumCPU()*4, 8))
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := pingTimeout(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres %s: %v", redact(u), redactErr(err))
	}
	return &Store{engine: Postgres, w: db, r: db, dsn: redact(u), counter: &Counter{}}, nil
}

func pingTimeout(ctx context.Context, db *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// Engine reports which engine the store uses.
func (s *Store) Engine() Engine { return s.engine }

// String describes the database without credentials.
func (s *Store) String() string { return s.dsn }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return err
	}
	if s.w != s.r {
		return s.w.PingContext(ctx)
	}
	return nil
}

// Close closes every connection.
func (s *Store) Close() error {
	s.rc.close()
	s.wc.close()
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Q returns a query handle on the reader pool.
func (s *Store) Q() *Q { return &Q{db: s.r, engine: s.engine, cache: s.rc, counter: s.counter} }

// Tx runs fn in a write transaction and commits if fn returns nil; any error
// (or panic) rolls everything back, so nothing is ever half-written.
func (s *Store) Tx(ctx context.Context, fn func(q *Q) error) error {
	return markUnavailable(s.tx(ctx, fn))
}

func (s *Store) tx(ctx context.Context, fn func(q *Q) error) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	q := &Q{db: tx, engine: s.engine, cache: s.wc, counter: s.counter}
	if err = fn(q); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		if cerr := ctx.Err(); cerr != nil && errors.Is(err, sql.ErrTxDone) {
			// The caller went away and database/sql rolled the transaction
			// back: report the cancellation, not an internal error.
			return fmt.Errorf("commit: %w", cerr)
		}
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	s.countWriteTx(ctx)
	if s.wc.hasPending() {
		s.wc.preparePending(ctx)
	}
	for _, f := range q.afterCommit {
		f()
	}
	return nil
}

// redact removes the password from a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if err != nil {
			return "(unparseable URL)"
		}
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// redactErr keeps URL parse errors from echoing credentials.
func redactErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + ue.Err.Error()
	}
	return err.Error()
}
