package flow

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
)

// ResetPassword sets a new password after a verified reset code, optionally
// revokes every other session of the user, clears any lockout and signs in.
// The new digest is computed before the transaction.
func (e *Engine) ResetPassword(ctx context.Context, c *gatehouse.Client, id, newPassword string, signOutAll bool) (*Result, error) {
	st, err := e.signInForStep(ctx, c, id, NeedsNewPassword)
	if err != nil {
		return nil, err
	}
	u := st.si.User
	if err := e.users.CheckPassword(ctx, newPassword, false); err != nil {
		return nil, err
	}
	digest, err := e.users.Hasher().Hash(ctx, newPassword)
	if err != nil {
		return nil, err
	}
	st.extra = func(q *store.Q) error {
		cur, err := q.GetUserForUpdate(ctx, u.ID)
		if err != nil {
			return err
		}
		cur.PasswordDigest, cur.Locked, cur.LockoutUntil, cur.FailedAttempts, cur.UpdatedAt = digest, false, nil, 0, e.now()
		if err := q.UpdateUser(ctx, cur); err != nil {
			return err
		}
		if err := q.ClearResetGuesses(ctx, u.ID); err != nil {
			return err
		}
		if err := store.Emit(ctx, e.events, q, gatehouse.EventUserUpdated, cur); err != nil {
			return err
		}
		if err := e.audit.In(ctx, q, audit.Event{Type: audit.PasswordReset, UserID: u.ID,
			Data: map[string]any{"sign_out_of_other_sessions": signOutAll}}); err != nil {
			return err
		}
		if signOutAll {
			if _, err := e.sessions.RevokeUserSessions(ctx, q, u.ID, ""); err != nil {
				return err
			}
		}
		st.user = cur
		return nil
	}
	si := *st.si
	return e.saveSignIn(ctx, st, Decision{SignIn: &si, Complete: true})
}
