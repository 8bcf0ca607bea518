// Package audit records security events — sign-ins and their failures,
// lockouts, password changes and resets, session revocations, bans, key
// rotations, secret-key use — in the database (listable through the Backend
// API) and as structured log lines. Events never carry secrets: no
// passwords, codes, tokens or keys, only ids and what the request looked
// like (client IP, user agent).
package audit

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Event types.
const (
	SignInSucceeded   = "sign_in.succeeded"
	SignInFailed      = "sign_in.failed"
	UserLocked        = "user.locked"
	UserUnlocked      = "user.unlocked"
	UserBanned        = "user.banned"
	UserUnbanned      = "user.unbanned"
	PasswordChanged   = "password.changed"
	PasswordReset     = "password.reset"
	SessionRevoked    = "session.revoked"
	SessionEnded      = "session.ended"
	SigningKeyRotated = "signing_key.rotated"
	SecretKeyCreated  = "secret_key.created"
	SecretKeyRevoked  = "secret_key.revoked"
	SecretKeyUsed     = "secret_key.used"
)

// Log records events. A nil *Log records nothing.
type Log struct {
	st     *store.Store
	clock  gatehouse.Clock
	logger *slog.Logger

	mu       sync.Mutex
	lastUsed map[string]time.Time // secret key hint -> last secret_key.used row
}

// Options configure New.
type Options struct {
	Store  *store.Store
	Clock  gatehouse.Clock
	Logger *slog.Logger // nil: no log lines
}

// New returns a Log writing to o.Store.
func New(o Options) *Log {
	return &Log{st: o.Store, clock: o.Clock, logger: o.Logger}
}

// Event is what a caller knows about an event.
type Event struct {
	Type      string
	UserID    string
	SessionID string
	Data      map[string]any
}

func (l *Log) row(ctx context.Context, ev Event) *store.AuditEvent {
	info, _ := gatehouse.CallerFrom(ctx) // computed once per request by the HTTP layer
	row := &store.AuditEvent{ID: gatehouse.NewID("aud_"), Type: ev.Type, IP: info.IP, UserAgent: info.UserAgent,
		Data: ev.Data, CreatedAt: l.clock.Now().UnixMilli()}
	if ev.UserID != "" {
		row.UserID = &ev.UserID
	}
	if ev.SessionID != "" {
		row.SessionID = &ev.SessionID
	}
	return row
}

func (l *Log) emitLog(ctx context.Context, row *store.AuditEvent) {
	if l.logger == nil {
		return
	}
	attrs := []slog.Attr{slog.String("type", row.Type), slog.String("id", row.ID), slog.String("ip", row.IP)}
	if info, _ := gatehouse.CallerFrom(ctx); info.RequestID != "" {
		rid := info.RequestID
		attrs = append(attrs, slog.String("request_id", rid))
	}
	if row.UserID != nil {
		attrs = append(attrs, slog.String("user_id", *row.UserID))
	}
	if row.SessionID != nil {
		attrs = append(attrs, slog.String("session_id", *row.SessionID))
	}
	for k, v := range row.Data {
		attrs = append(attrs, slog.Any(k, v))
	}
	l.logger.LogAttrs(ctx, slog.LevelInfo, "audit", attrs...)
}

// In records ev inside the caller's transaction q, so the event exists
// exactly when the change it describes does. The log line is written after
// the commit.
func (l *Log) In(ctx context.Context, q *store.Q, ev Event) error {
	if l == nil {
		return nil
	}
	row := l.row(ctx, ev)
	if err := q.InsertAuditEvent(ctx, row); err != nil {
		return err
	}
	q.AfterCommit(func() { l.emitLog(ctx, row) })
	return nil
}

// Record records ev in a transaction of its own (for events with no other
// write, such as a failed sign-in). A failure to record is logged, not
// returned: the request's outcome does not depend on it.
func (l *Log) Record(ctx context.Context, ev Event) {
	if l == nil {
		return
	}
	row := l.row(ctx, ev)
	// Recorded even when the client has gone: the event happened.
	wctx := context.WithoutCancel(ctx)
	if err := l.st.Tx(wctx, func(q *store.Q) error { return q.InsertAuditEvent(wctx, row) }); err != nil {
		if l.logger != nil {
			l.logger.Warn("audit event not stored", "type", row.Type, "error", err.Error())
		}
	}
	l.emitLog(ctx, row)
}

// List returns the events matching f, newest first, and how many match.
func (l *Log) List(ctx context.Context, f gatehouse.AuditFilter) ([]gatehouse.AuditEvent, int, error) {
	if l == nil {
		return []gatehouse.AuditEvent{}, 0, nil
	}
	return l.st.Q().ListAuditEvents(ctx, f)
}

// SecretKeyUsed records the use of a secret key, at most once per key per
// hour per node (every Backend API call uses one; the log line is enough
// detail, the table keeps who used which key from where and when).
func (l *Log) SecretKeyUsed(ctx context.Context, hint string) {
	if l == nil {
		return
	}
	now := l.clock.Now()
	l.mu.Lock()
	if l.lastUsed == nil {
		l.lastUsed = map[string]time.Time{}
	}
	last, seen := l.lastUsed[hint]
	fresh := !seen || now.Sub(last) >= time.Hour
	if fresh {
		l.lastUsed[hint] = now
	}
	l.mu.Unlock()
	if fresh {
		l.Record(ctx, Event{Type: SecretKeyUsed, Data: map[string]any{"secret_key_hint": hint}})
	}
}
