package store

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// The client envelope every FAPI response carries: a client's active
// sessions, newest first, with their users and the users'
// identifications.

// sessionUserQuery selects pre, the session columns (alias s) and
// joinedUserColumns, for the active sessions of the clients that where
// (on alias c, joined to s) picks, ordered newest session first.
func sessionUserQuery(pre, where string) string {
	return "SELECT " + pre + prefixed("s.", sessionColumns) + ", " + joinedUserColumns +
		" FROM clients c JOIN sessions s ON s.client_id = c.id JOIN users u ON u.id = s.user_id" + identLeftJoin +
		" WHERE " + where + " AND s.status=? ORDER BY s.created_at DESC, s.id, " + identOrder
}

// ClientSessionsWithUsers returns a client's active sessions, newest first,
// with their users (keyed by id) and the users' identifications, in one
// statement.
func (q *Q) ClientSessionsWithUsers(ctx context.Context, clientID string) ([]*gatehouse.Session, map[string]*gatehouse.User, error) {
	rs, err := q.query(ctx, sessionUserQuery("", "c.id=?"), clientID, gatehouse.SessionActive)
	if err != nil {
		return nil, nil, err
	}
	defer rs.Close()
	return scanSessionUsers(rs, nil)
}

// ClientEnvelopeByTokenHash loads the client with the token hash together
// with its active sessions and their users (as ClientSessionsWithUsers):
// one statement when the client has an active session, two when it has
// none. gatehouse.ErrNotFound: no such client.
func (q *Q) ClientEnvelopeByTokenHash(ctx context.Context, hash []byte) (*gatehouse.Client, []*gatehouse.Session, map[string]*gatehouse.User, error) {
	var c gatehouse.Client
	rs, err := q.query(ctx, sessionUserQuery(prefixed("c.", clientColumns)+", ", "c.token_hash=?"), hash, gatehouse.SessionActive)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rs.Close()
	sessions, users, err := scanSessionUsers(rs, []any{&c.ID, &c.TokenHash, &c.SignInID, &c.SignUpID, &c.LastActiveSessionID, &c.CreatedAt, &c.UpdatedAt})
	if err != nil {
		return nil, nil, nil, err
	}
	rs.Close()
	if len(sessions) > 0 {
		return &c, sessions, users, nil
	}
	cl, err := q.ClientByTokenHash(ctx, hash)
	if err != nil {
		return nil, nil, nil, err
	}
	return cl, sessions, users, nil
}

// scanSessionUsers reads the rows of a sessionUserQuery; pre receives the
// columns selected before the session's.
func scanSessionUsers(rs *rows, pre []any) ([]*gatehouse.Session, map[string]*gatehouse.User, error) {
	sessions := []*gatehouse.Session{}
	users := map[string]*gatehouse.User{}
	var s gatehouse.Session
	j := newJoinedUser(append(pre, &s.ID, &s.ClientID, &s.UserID, &s.Status, &s.LastActiveAt, &s.ExpireAt, &s.AbandonAt,
		&s.Factor1At, &s.Factor2At, &s.CreatedAt, &s.UpdatedAt)...)
	for rs.Next() {
		if err := j.scan(rs); err != nil {
			return nil, nil, err
		}
		first := len(sessions) == 0 || sessions[len(sessions)-1].ID != s.ID
		if _, err := j.user(first, users); err != nil {
			return nil, nil, err
		}
		if first {
			cp := s
			sessions = append(sessions, &cp)
		}
	}
	if err := rs.Err(); err != nil {
		return nil, nil, mapErr(err)
	}
	return sessions, users, nil
}
