package store

import (
	"context"
	"database/sql"
	"errors"
)

// Password-reset code guesses are budgeted per account, across codes: a
// window opens at the first guess and admits at most budget guesses until it
// ends. The columns are read and written only here.

// SpendResetGuess spends one reset-code guess of a user's budget before the
// guess is evaluated: when no window is open it opens one ending at
// windowEnd. It reports false, spending nothing, when the open window's
// budget is used up, and then also when that window ends (Unix ms).
func (q *Q) SpendResetGuess(ctx context.Context, userID string, budget int, now, windowEnd int64) (bool, int64, error) {
	res, err := q.exec(ctx, `UPDATE users SET
		reset_guesses = CASE WHEN reset_window_until > ? THEN reset_guesses + 1 ELSE 1 END,
		reset_window_until = CASE WHEN reset_window_until > ? THEN reset_window_until ELSE ? END
		WHERE id = ? AND NOT (COALESCE(reset_window_until, 0) > ? AND reset_guesses >= ?)`,
		now, now, windowEnd, userID, now, budget)
	if err != nil {
		return false, 0, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return n == 1, 0, err
	}
	until, err := q.ResetGuessesBlocked(ctx, userID, budget, now)
	return false, until, err
}

// ResetGuessesBlocked returns when the user's open window ends (Unix ms) if
// its budget is used up, else 0.
func (q *Q) ResetGuessesBlocked(ctx context.Context, userID string, budget int, now int64) (int64, error) {
	var until int64
	err := q.queryRow(ctx, `SELECT COALESCE(reset_window_until, 0) FROM users
		WHERE id = ? AND COALESCE(reset_window_until, 0) > ? AND reset_guesses >= ?`, userID, now, budget).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return until, err
}

// ClearResetGuesses closes a user's reset-guess window (after a completed
// reset).
func (q *Q) ClearResetGuesses(ctx context.Context, userID string) error {
	_, err := q.exec(ctx, "UPDATE users SET reset_guesses = 0, reset_window_until = NULL WHERE id = ?", userID)
	return err
}
