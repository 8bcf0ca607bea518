package flow

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Reset-code guesses are budgeted per account.
//
// A locked account can still reset its password by email code (SECURITY.md:
// "reset still possible"), so the lockout does not refuse reset codes; and a
// code's own limit (five tries) alone would let anyone who requests code
// after code guess without end. So every reset-code guess on an account —
// across all its codes and sign-ins — first spends one of lockout_attempts
// guesses per lockout_seconds window (the instance's lockout settings, 10 per
// hour by default), a window that opens at the first guess. Requesting a new
// code does not refill it; a completed reset closes it. With the budget spent,
// guesses are refused without being evaluated (403 user_locked with the
// seconds left) and no new reset code is sent until the window ends. An
// attacker gets at most lockout_attempts guesses per window against a
// million codes; the owner can reset whenever the attacker has not spent the
// window's budget, and otherwise once it ends. Wrong reset codes also count
// toward the ordinary lockout, as every failed factor does.

// resetWindow returns the budget and the window length.
func (e *Engine) resetWindow() (int, time.Duration) {
	attempts, secs := e.settings().Lockout()
	return attempts, time.Duration(secs) * time.Second
}

// resetGuard spends one reset-code guess of userID's budget inside the
// transaction that spends the code's attempt, or refuses the guess.
func (e *Engine) resetGuard(ctx context.Context, userID string) func(q *store.Q) error {
	return func(q *store.Q) error {
		budget, window := e.resetWindow()
		now := e.clock.Now()
		ok, until, err := q.SpendResetGuess(ctx, userID, budget, now.UnixMilli(), now.Add(window).UnixMilli())
		switch {
		case err != nil:
			return err
		case ok:
			return nil
		case until == 0:
			return errIdentifierNotFound() // the account was deleted meanwhile
		}
		return e.errResetBudget(until)
	}
}

// checkResetBudget refuses to send a reset code while userID's guess budget
// is spent.
func (e *Engine) checkResetBudget(ctx context.Context, userID string) error {
	budget, _ := e.resetWindow()
	until, err := e.st.Q().ResetGuessesBlocked(ctx, userID, budget, e.now())
	if err != nil || until == 0 {
		return err
	}
	return e.errResetBudget(until)
}

func (e *Engine) errResetBudget(until int64) error {
	left := max((until-e.now()+999)/1000, 1)
	return errLocked(&left)
}
