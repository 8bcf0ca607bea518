package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// unavailableError marks a driver error as gatehouse.ErrUnavailable and keeps
// its message for the log.
type unavailableError struct{ err error }

func (e unavailableError) Error() string   { return e.err.Error() }
func (e unavailableError) Unwrap() []error { return []error{gatehouse.ErrUnavailable, e.err} }

// markUnavailable wraps err so that errors.Is(err, gatehouse.ErrUnavailable)
// holds when IsUnavailable(err) does; other errors come back unchanged.
func markUnavailable(err error) error {
	if err == nil || errors.Is(err, gatehouse.ErrUnavailable) || !IsUnavailable(err) {
		return err
	}
	return unavailableError{err}
}

// IsUnavailable reports whether err means the database could not be reached
// or could not answer right now (closed pool, lost connection, PostgreSQL
// down or shutting down, SQLite busy beyond its timeout) rather than a bug or
// bad data. Callers answer 503, never a token or a session.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) {
		return true
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 57P0x: admin/crash shutdown, cannot connect now; 53: insufficient resources.
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P0") || strings.HasPrefix(pe.Code, "53")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED || c == sqlite3.SQLITE_CANTOPEN || c == sqlite3.SQLITE_IOERR || c == sqlite3.SQLITE_FULL
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	// database/sql's own "sql: database is closed" has no exported sentinel.
	return strings.Contains(err.Error(), "sql: database is closed")
}
