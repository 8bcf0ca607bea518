package flow

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// StrategyChangePassword names a wrong current password (changing one's own
// password) in the sign_in.failed audit event.
const StrategyChangePassword = "change_password"

// CheckCurrentPassword verifies a signed-in user's current password before
// a change. It is a password guess like any other: a locked (or banned)
// account is refused, and a wrong password counts toward the same lockout
// as failed sign-ins (the attempt that reaches the limit answers
// user_locked).
func (e *Engine) CheckCurrentPassword(ctx context.Context, u *gatehouse.User, pw string) error {
	if err := e.checkUsable(u); err != nil {
		return err
	}
	ok, err := e.users.VerifyPassword(ctx, u.ID, pw)
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	if err := e.recordFailure(ctx, u.ID, StrategyChangePassword); err != nil {
		return err
	}
	return gatehouse.Err(gatehouse.CodePasswordIncorrect).Msg("Password is incorrect.").
		Long("The current password is incorrect.").Param("current_password")
}
