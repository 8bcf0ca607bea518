package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// AttemptRow is a persisted sign-in or sign-up attempt; State is the flow
// engine's JSON.
type AttemptRow struct {
	ID        string
	ClientID  string
	Kind      string // "sign_in" or "sign_up"
	State     []byte
	CreatedAt int64
	UpdatedAt int64
	ExpireAt  int64
}

// PutAttempt inserts or replaces an attempt.
func (q *Q) PutAttempt(ctx context.Context, a *AttemptRow) error {
	_, err := q.exec(ctx, `INSERT INTO attempts (id, client_id, kind, state, created_at, updated_at, expire_at) VALUES (?,?,?,?,?,?,?)
		ON CONFLICT (id) DO UPDATE SET state=excluded.state, updated_at=excluded.updated_at, expire_at=excluded.expire_at`,
		a.ID, a.ClientID, a.Kind, string(a.State), a.CreatedAt, a.UpdatedAt, a.ExpireAt)
	return err
}

// GetAttempt loads an attempt of a kind belonging to a client.
func (q *Q) GetAttempt(ctx context.Context, id, clientID, kind string, forUpdate bool) (*AttemptRow, error) {
	query := "SELECT id, client_id, kind, state, created_at, updated_at, expire_at FROM attempts WHERE id=? AND client_id=? AND kind=?"
	if forUpdate && q.engine == Postgres {
		query += " FOR UPDATE"
	}
	var a AttemptRow
	var state string
	err := q.queryRow(ctx, query, id, clientID, kind).Scan(&a.ID, &a.ClientID, &a.Kind, &state, &a.CreatedAt, &a.UpdatedAt, &a.ExpireAt)
	if err != nil {
		return nil, mapErr(err)
	}
	a.State = []byte(state)
	return &a, nil
}

// CodeRow is a one-time code (hash only).
type CodeRow struct {
	ID          string
	OwnerID     string
	Purpose     string
	Target      string
	CodeHash    []byte
	Attempts    int
	MaxAttempts int
	ExpireAt    int64
	ConsumedAt  *int64
	CreatedAt   int64
}

// InsertCode stores a code and invalidates earlier unconsumed codes of the
// same owner and purpose (only the newest code works).
func (q *Q) InsertCode(ctx context.Context, c *CodeRow) error {
	if _, err := q.exec(ctx, "UPDATE codes SET consumed_at=? WHERE owner_id=? AND purpose=? AND consumed_at IS NULL",
		c.CreatedAt, c.OwnerID, c.Purpose); err != nil {
		return err
	}
	_, err := q.exec(ctx, `INSERT INTO codes (id, owner_id, purpose, target, code_hash, attempts, max_attempts, expire_at, consumed_at, created_at)
		VALUES (?,?,?,?,?,?,?,?,?,?)`, c.ID, c.OwnerID, c.Purpose, c.Target, c.CodeHash, c.Attempts, c.MaxAttempts, c.ExpireAt, c.ConsumedAt, c.CreatedAt)
	return err
}

// LatestCode returns the newest code of an owner and purpose.
func (q *Q) LatestCode(ctx context.Context, ownerID, purpose string) (*CodeRow, error) {
	var c CodeRow
	err := q.queryRow(ctx, `SELECT id, owner_id, purpose, target, code_hash, attempts, max_attempts, expire_at, consumed_at, created_at
		FROM codes WHERE owner_id=? AND purpose=? ORDER BY created_at DESC, id DESC LIMIT 1`, ownerID, purpose).
		Scan(&c.ID, &c.OwnerID, &c.Purpose, &c.Target, &c.CodeHash, &c.Attempts, &c.MaxAttempts, &c.ExpireAt, &c.ConsumedAt, &c.CreatedAt)
	if err != nil {
		return nil, mapErr(err)
	}
	return &c, nil
}

// CountCodeAttempt spends one attempt on a live code. It reports false when
// the code is consumed, expired or out of attempts (nothing is spent then).
func (q *Q) CountCodeAttempt(ctx context.Context, id string, now int64) (bool, error) {
	res, err := q.exec(ctx, "UPDATE codes SET attempts=attempts+1 WHERE id=? AND consumed_at IS NULL AND attempts < max_attempts AND expire_at > ?", id, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ConsumeCode marks a live code used. Exactly one concurrent caller wins.
func (q *Q) ConsumeCode(ctx context.Context, id string, now int64) (bool, error) {
	res, err := q.exec(ctx, "UPDATE codes SET consumed_at=? WHERE id=? AND consumed_at IS NULL AND expire_at > ?", now, id, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PutNonce stores handshake directives under the hash of a nonce, and
// forgets expired nonces.
func (q *Q) PutNonce(ctx context.Context, hash []byte, directives string, expireAt, now int64) error {
	if _, err := q.exec(ctx, "DELETE FROM handshake_nonces WHERE expire_at < ?", now); err != nil {
		return err
	}
	_, err := q.exec(ctx, "INSERT INTO handshake_nonces (nonce_hash, directives, expire_at) VALUES (?,?,?)", hash, directives, expireAt)
	return err
}

// ReadNonce returns the directives stored under a nonce hash while it lives.
func (q *Q) ReadNonce(ctx context.Context, hash []byte, now int64) (string, error) {
	var directives string
	var expireAt int64
	err := q.queryRow(ctx, "SELECT directives, expire_at FROM handshake_nonces WHERE nonce_hash=?", hash).Scan(&directives, &expireAt)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && expireAt <= now) {
		return "", gatehouse.ErrNotFound
	}
	if err != nil {
		return "", err
	}
	return directives, nil
}

// GetAttemptWithUser loads an attempt of a kind belonging to a client
// together with the user its state names (the string at the top-level JSON
// key userKey) and the user's identifications, in one statement when that
// user exists. user is nil when the state names no user or a user that no
// longer exists (a second statement then reads the attempt alone).
func (q *Q) GetAttemptWithUser(ctx context.Context, id, clientID, kind, userKey string) (*AttemptRow, *gatehouse.User, error) {
	userID, path := "json_extract(a.state, ?)", "$."+userKey
	if q.engine == Postgres {
		userID, path = "(a.state::json ->> ?)", userKey
	}
	var a AttemptRow
	var state string
	u, err := q.oneJoinedUser(ctx, "SELECT a.id, a.client_id, a.kind, a.state, a.created_at, a.updated_at, a.expire_at, "+
		joinedUserColumns+" FROM attempts a JOIN users u ON u.id = "+userID+identLeftJoin+
		" WHERE a.id=? AND a.client_id=? AND a.kind=? ORDER BY "+identOrder, []any{path, id, clientID, kind},
		&a.ID, &a.ClientID, &a.Kind, &state, &a.CreatedAt, &a.UpdatedAt, &a.ExpireAt)
	switch {
	case err == nil:
		a.State = []byte(state)
		return &a, u, nil
	case errors.Is(err, gatehouse.ErrNotFound):
		row, err := q.GetAttempt(ctx, id, clientID, kind, false)
		return row, nil, err
	default:
		return nil, nil, err
	}
}
