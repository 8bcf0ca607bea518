package flow

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
)

// loadAttempt reads an attempt's state into dst; it must belong to
// clientID. It returns the stored state (for a compare-and-swap save).
func (e *Engine) loadAttempt(ctx context.Context, q *store.Q, id, clientID, kind string, dst any) ([]byte, error) {
	row, err := q.GetAttempt(ctx, id, clientID, kind, true)
	return e.attemptState(row, err, kind, dst)
}

// attemptState checks a loaded attempt (not found, expired) and decodes
// its state into dst.
func (e *Engine) attemptState(row *store.AttemptRow, err error, kind string, dst any) ([]byte, error) {
	if errors.Is(err, gatehouse.ErrNotFound) {
		if kind == "sign_in" {
			return nil, errNotFound("Sign in attempt")
		}
		return nil, errNotFound("Sign up attempt")
	}
	if err != nil {
		return nil, err
	}
	if row.ExpireAt <= e.now() {
		return nil, errAttemptExpired(kind)
	}
	return row.State, json.Unmarshal(row.State, dst)
}

func (e *Engine) saveAttempt(ctx context.Context, q *store.Q, id, clientID, kind string, createdAt int64, state any) error {
	b, err := json.Marshal(state)
	if err != nil {
		return err
	}
	now := e.now()
	return q.PutAttempt(ctx, &store.AttemptRow{ID: id, ClientID: clientID, Kind: kind, State: b, CreatedAt: createdAt,
		UpdatedAt: now, ExpireAt: createdAt + AttemptLifetime.Milliseconds()})
}

// setClientAttempt points the client at its current sign-in or sign-up.
func (e *Engine) setClientAttempt(ctx context.Context, q *store.Q, c *gatehouse.Client, kind string, id *string) error {
	if kind == "sign_in" {
		c.SignInID = id
	} else {
		c.SignUpID = id
	}
	c.UpdatedAt = e.now()
	return q.UpdateClient(ctx, c)
}
