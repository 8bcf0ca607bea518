package store

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// The writes of a flow step's single transaction (internal/flow save.go):
// each is one statement.

// UserByIdentification finds the user owning the identification of kind
// with the normalised value, with all its identifications, in one
// statement. status is that identification's verification status (an
// unverified email address signs no one in: the caller decides).
func (q *Q) UserByIdentification(ctx context.Context, kind, normalized string) (u *gatehouse.User, status string, err error) {
	u, err = q.oneJoinedUser(ctx, "SELECT f.verification_status, "+joinedUserColumns+
		" FROM identifications f JOIN users u ON u.id = f.user_id"+identLeftJoin+
		" WHERE f.kind=? AND f.value_norm=? ORDER BY "+identOrder, []any{kind, normalized}, &status)
	if err != nil {
		return nil, "", err
	}
	return u, status, nil
}

// attemptColumn is the clients column pointing at the current attempt of a kind.
func attemptColumn(kind string) string {
	if kind == "sign_up" {
		return "sign_up_id"
	}
	return "sign_in_id"
}

// SetClientAttempt points client id at its current attempt of kind
// ("sign_in" or "sign_up"; nil: none) and returns the client as written.
func (q *Q) SetClientAttempt(ctx context.Context, id, kind string, attemptID *string, now int64) (*gatehouse.Client, error) {
	return scanClient(q.queryRow(ctx, "UPDATE clients SET "+attemptColumn(kind)+"=?, updated_at=? WHERE id=? RETURNING "+clientColumns,
		attemptID, now, id))
}

// CompleteOnClient records a session created on client id by an attempt of
// kind: the rotated token, the session as the active one, no current
// attempt of that kind. It returns the client as written. On PostgreSQL the
// update takes the client's row lock, which serialises completions on one
// client.
func (q *Q) CompleteOnClient(ctx context.Context, id, kind string, tokenHash []byte, sessionID string, now int64) (*gatehouse.Client, error) {
	return scanClient(q.queryRow(ctx, "UPDATE clients SET token_hash=?, last_active_session_id=?, "+attemptColumn(kind)+
		"=NULL, updated_at=? WHERE id=? RETURNING "+clientColumns, tokenHash, sessionID, now, id))
}

// SwapAttempt replaces an attempt's state only if it still holds prev (the
// state the caller loaded): exactly one of several parallel writers that
// loaded the same state wins. It reports whether this one did.
func (q *Q) SwapAttempt(ctx context.Context, a *AttemptRow, prev []byte) (bool, error) {
	res, err := q.exec(ctx, "UPDATE attempts SET state=?, updated_at=? WHERE id=? AND client_id=? AND state=?",
		string(a.State), a.UpdatedAt, a.ID, a.ClientID, string(prev))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReplaceClientSessions marks the client's active sessions replaced
// (single-session mode, before a new session starts on it).
func (q *Q) ReplaceClientSessions(ctx context.Context, clientID string, now int64) error {
	_, err := q.exec(ctx, "UPDATE sessions SET status=?, updated_at=? WHERE client_id=? AND status=?",
		gatehouse.SessionReplaced, now, clientID, gatehouse.SessionActive)
	return err
}

// MarkSignInRehash is MarkSignIn that also replaces the password digest
// with fresh, if it is still old (a transparent rehash on sign-in).
func (q *Q) MarkSignInRehash(ctx context.Context, userID string, now int64, old, fresh string) error {
	_, err := q.exec(ctx, `UPDATE users SET last_sign_in_at=?, last_active_at=?, failed_attempts=0,
		password_digest=CASE WHEN password_digest=? THEN ? ELSE password_digest END WHERE id=?`, now, now, old, fresh, userID)
	return err
}
