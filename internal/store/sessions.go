package store

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

const clientColumns = `id, token_hash, sign_in_id, sign_up_id, last_active_session_id, created_at, updated_at`

func scanClient(sc scanner) (*gatehouse.Client, error) {
	var c gatehouse.Client
	if err := sc.Scan(&c.ID, &c.TokenHash, &c.SignInID, &c.SignUpID, &c.LastActiveSessionID, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, mapErr(err)
	}
	return &c, nil
}

// InsertClient stores a new client.
func (q *Q) InsertClient(ctx context.Context, c *gatehouse.Client) error {
	_, err := q.exec(ctx, "INSERT INTO clients ("+clientColumns+") VALUES (?,?,?,?,?,?,?)",
		c.ID, c.TokenHash, c.SignInID, c.SignUpID, c.LastActiveSessionID, c.CreatedAt, c.UpdatedAt)
	return err
}

// UpdateClient writes a client's mutable columns (token included).
func (q *Q) UpdateClient(ctx context.Context, c *gatehouse.Client) error {
	res, err := q.exec(ctx, "UPDATE clients SET token_hash=?, sign_in_id=?, sign_up_id=?, last_active_session_id=?, updated_at=? WHERE id=?",
		c.TokenHash, c.SignInID, c.SignUpID, c.LastActiveSessionID, c.UpdatedAt, c.ID)
	if err != nil {
		return err
	}
	return expectOne(res)
}

// ClientByTokenHash finds a client by the hash of its cookie token.
func (q *Q) ClientByTokenHash(ctx context.Context, hash []byte) (*gatehouse.Client, error) {
	return scanClient(q.queryRow(ctx, "SELECT "+clientColumns+" FROM clients WHERE token_hash=?", hash))
}

// GetClient loads a client by id.
func (q *Q) GetClient(ctx context.Context, id string) (*gatehouse.Client, error) {
	return scanClient(q.queryRow(ctx, "SELECT "+clientColumns+" FROM clients WHERE id=?", id))
}

// GetClientForUpdate loads a client inside a write transaction, locking the
// row on PostgreSQL.
func (q *Q) GetClientForUpdate(ctx context.Context, id string) (*gatehouse.Client, error) {
	query := "SELECT " + clientColumns + " FROM clients WHERE id=?"
	if q.engine == Postgres {
		query += " FOR UPDATE"
	}
	return scanClient(q.queryRow(ctx, query, id))
}

// DeleteClient removes a client with its sessions and attempts.
func (q *Q) DeleteClient(ctx context.Context, id string) error {
	_, err := q.exec(ctx, "DELETE FROM clients WHERE id=?", id)
	return err
}

const sessionColumns = `id, client_id, user_id, status, last_active_at, expire_at, abandon_at, factor1_at, factor2_at, created_at, updated_at`

func scanSession(sc scanner) (*gatehouse.Session, error) {
	var s gatehouse.Session
	if err := sc.Scan(&s.ID, &s.ClientID, &s.UserID, &s.Status, &s.LastActiveAt, &s.ExpireAt, &s.AbandonAt,
		&s.Factor1At, &s.Factor2At, &s.CreatedAt, &s.UpdatedAt); err != nil {
		return nil, mapErr(err)
	}
	return &s, nil
}

// InsertSession stores a new session.
func (q *Q) InsertSession(ctx context.Context, s *gatehouse.Session) error {
	_, err := q.exec(ctx, "INSERT INTO sessions ("+sessionColumns+") VALUES (?,?,?,?,?,?,?,?,?,?,?)",
		s.ID, s.ClientID, s.UserID, s.Status, s.LastActiveAt, s.ExpireAt, s.AbandonAt, s.Factor1At, s.Factor2At, s.CreatedAt, s.UpdatedAt)
	return err
}

// UpdateSession writes a session's mutable columns.
func (q *Q) UpdateSession(ctx context.Context, s *gatehouse.Session) error {
	res, err := q.exec(ctx, "UPDATE sessions SET status=?, last_active_at=?, expire_at=?, abandon_at=?, factor1_at=?, factor2_at=?, updated_at=? WHERE id=?",
		s.Status, s.LastActiveAt, s.ExpireAt, s.AbandonAt, s.Factor1At, s.Factor2At, s.UpdatedAt, s.ID)
	if err != nil {
		return err
	}
	return expectOne(res)
}

// TouchSession moves last_active_at (and the inactivity deadline) forward,
// only if the stored value is older than olderThan; it reports whether it wrote.
func (q *Q) TouchSession(ctx context.Context, id string, now, olderThan int64, abandonAt *int64) (bool, error) {
	res, err := q.exec(ctx, "UPDATE sessions SET last_active_at=?, abandon_at=COALESCE(?, abandon_at) WHERE id=? AND status='active' AND last_active_at < ?",
		now, abandonAt, id, olderThan)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// GetSession loads a session by id.
func (q *Q) GetSession(ctx context.Context, id string) (*gatehouse.Session, error) {
	return scanSession(q.queryRow(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE id=?", id))
}

// SessionFilter selects sessions for ListSessions.
type SessionFilter = gatehouse.SessionFilter

// ListSessions lists sessions, newest first.
func (q *Q) ListSessions(ctx context.Context, f SessionFilter) ([]*gatehouse.Session, error) {
	where, args := " WHERE 1=1", []any{}
	if f.UserID != "" {
		where += " AND user_id=?"
		args = append(args, f.UserID)
	}
	if f.ClientID != "" {
		where += " AND client_id=?"
		args = append(args, f.ClientID)
	}
	if f.Status != "" {
		where += " AND status=?"
		args = append(args, f.Status)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	args = append(args, limit, max(f.Offset, 0))
	rows, err := q.query(ctx, "SELECT "+sessionColumns+" FROM sessions"+where+" ORDER BY created_at DESC, id LIMIT ? OFFSET ?", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*gatehouse.Session{}
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// EndUserSessions sets every active session of a user (optionally except
// one) to status, returning the ids it changed.
func (q *Q) EndUserSessions(ctx context.Context, userID, except, status string, now int64) ([]string, error) {
	rows, err := q.query(ctx, "SELECT id FROM sessions WHERE user_id=? AND status='active' AND id<>?", userID, except)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	_, err = q.exec(ctx, "UPDATE sessions SET status=?, updated_at=? WHERE user_id=? AND status='active' AND id<>?", status, now, userID, except)
	return ids, err
}

// TokenContext is what the session-token endpoint needs, read in one query.
type TokenContext struct {
	Client  gatehouse.Client
	Session gatehouse.Session
	User    *gatehouse.User // without identifications
}

// TokenContextFor joins client (by token hash), session and user.
func (q *Q) TokenContextFor(ctx context.Context, clientTokenHash []byte, sessionID string) (*TokenContext, error) {
	row := q.queryRow(ctx, `SELECT c.id, c.last_active_session_id, s.id, s.client_id, s.user_id, s.status, s.last_active_at,
		s.expire_at, s.abandon_at, s.factor1_at, s.factor2_at, s.created_at, s.updated_at, `+prefixed("u.", userColumns)+`
		FROM sessions s JOIN clients c ON c.id = s.client_id JOIN users u ON u.id = s.user_id
		WHERE s.id=? AND c.token_hash=?`, sessionID, clientTokenHash)
	var tc TokenContext
	s := &tc.Session
	u, err := scanUser(multiScanner{row: row, pre: []any{&tc.Client.ID, &tc.Client.LastActiveSessionID, &s.ID, &s.ClientID, &s.UserID, &s.Status,
		&s.LastActiveAt, &s.ExpireAt, &s.AbandonAt, &s.Factor1At, &s.Factor2At, &s.CreatedAt, &s.UpdatedAt}})
	if err != nil {
		return nil, err
	}
	tc.User = u
	return &tc, nil
}

// multiScanner prepends extra destinations to a scan.
type multiScanner struct {
	row interface{ Scan(...any) error }
	pre []any
}

func (m multiScanner) Scan(dest ...any) error { return m.row.Scan(append(m.pre, dest...)...) }

func prefixed(p, cols string) string {
	out := ""
	for i, c := range splitCols(cols) {
		if i > 0 {
			out += ", "
		}
		out += p + c
	}
	return out
}
