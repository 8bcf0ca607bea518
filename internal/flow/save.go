package flow

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
)

// signInStep is what a sign-in step loaded: the save needs it to write
// the decision.
type signInStep struct {
	client *gatehouse.Client // nil: a browser without a client; the save creates newClient
	// newClient and newToken: the client to create (made before the
	// attempt, whose client_id it is) and its first token.
	newClient *gatehouse.Client
	newToken  string
	si        *SignIn         // the attempt as loaded (or just made)
	loaded    []byte          // the attempt's stored state; nil: a new attempt
	user      *gatehouse.User // the account (nil for none or a phantom)
	// sessions are the client's live sessions when sessionsKnown.
	sessions      []*gatehouse.Session
	sessionsKnown bool
	oldDigest     string // with Decision.Rehash: the digest verified
	newDigest     string // with Decision.Rehash: its replacement
	// extra runs in the transaction before the completion (code issue,
	// password reset); it may replace user with the row it wrote.
	extra func(q *store.Q) error
	// after runs once the transaction committed (mail delivery).
	after func(ctx context.Context) error
}

// saveSignIn writes a decision in one transaction: the client (created, or
// updated — the row every completion on the client serialises on), the
// attempt (inserted, or swapped only if it still holds the state loaded),
// the code spent, the session, the user's sign-in or failure, the audit
// rows and the webhook outbox rows.
func (e *Engine) saveSignIn(ctx context.Context, st *signInStep, d Decision) (*Result, error) {
	next := d.SignIn
	if next == nil && st.loaded == nil {
		next = st.si // a new attempt is always stored
	}
	if next == nil && !d.Complete && d.Failure == nil && d.Code == nil && len(d.Audit) == 0 && st.client != nil && st.extra == nil {
		return nil, d.Err // nothing to write
	}
	if next == nil {
		next = st.si
	}
	multi := e.settings().MultiSession
	now := e.now()
	res := &Result{SignIn: next}
	newClient := st.newClient
	if st.client == nil {
		if newClient == nil {
			return nil, errors.New("flow: a step without a client must make one") // unreachable
		}
		res.ClientToken, res.NewClient = st.newToken, true
	}
	var sess *gatehouse.Session
	var sessToken string
	var sessHash []byte
	if d.Complete {
		if next.Phantom || next.UserID == "" || st.user == nil {
			return nil, errors.New("flow: refusing to complete a sign-in without an account") // unreachable: fail closed
		}
		var err error
		clientID := ""
		if st.client != nil {
			clientID = st.client.ID
		} else {
			clientID = newClient.ID
		}
		if sess, sessToken, sessHash, err = e.sessions.NewSession(clientID, next.UserID); err != nil {
			return nil, err
		}
		next.Status, next.CreatedSessionID = Complete, sess.ID
	}
	next.UpdatedAt = now
	state, err := json.Marshal(next)
	if err != nil {
		return nil, err
	}
	derr := d.Err
	var clientRow *gatehouse.Client
	user := st.user
	err = e.st.Tx(ctx, func(q *store.Q) error {
		derr = d.Err
		if d.Code != nil {
			if err := e.useCode(ctx, q, d.Code); err != nil {
				return err
			}
		}
		// The client: created, or updated first (the serialisation point).
		switch {
		case newClient != nil:
			c := *newClient
			if sess != nil {
				c.TokenHash, c.LastActiveSessionID = sessHash, &sess.ID
			} else {
				c.SignInID = &next.ID
			}
			if err := q.InsertClient(ctx, &c); err != nil {
				return err
			}
			clientRow = &c
		case sess != nil:
			c, err := q.CompleteOnClient(ctx, st.client.ID, "sign_in", sessHash, sess.ID, now)
			if err != nil {
				return err
			}
			clientRow = c
		case st.loaded == nil:
			c, err := q.SetClientAttempt(ctx, st.client.ID, "sign_in", &next.ID, now)
			if err != nil {
				return err
			}
			clientRow = c
		}
		// The attempt.
		row := &store.AttemptRow{ID: next.ID, ClientID: next.ClientID, Kind: "sign_in", State: state, CreatedAt: next.CreatedAt,
			UpdatedAt: now, ExpireAt: next.CreatedAt + AttemptLifetime.Milliseconds()}
		if st.loaded == nil {
			if err := q.PutAttempt(ctx, row); err != nil {
				return err
			}
		} else if d.SignIn != nil {
			// An attempt completes exactly once: parallel requests that
			// all verified the factor serialise on the client row (above;
			// SQLite has one writer), and only the first still finds the
			// attempt in the state it was loaded in. The others roll back
			// before a session, webhook or audit row exists. A failure
			// that lost the race leaves the attempt alone.
			won, err := q.SwapAttempt(ctx, row, st.loaded)
			if err != nil {
				return err
			}
			if !won && (d.Complete || d.Err == nil) {
				return e.errAttemptMoved(ctx, q, next)
			}
		}
		if st.extra != nil {
			if err := st.extra(q); err != nil {
				return err
			}
			user = st.user
		}
		if sess != nil {
			if err := e.saveCompletion(ctx, q, st, d, sess, newClient != nil, multi, now); err != nil {
				return err
			}
		}
		if d.Failure != nil {
			lerr, err := e.countFailure(ctx, q, d.Failure)
			if err != nil {
				return err
			}
			if lerr != nil {
				derr = lerr
			}
		}
		for _, ev := range d.Audit {
			if err := e.audit.In(ctx, q, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if st.client != nil && clientRow != nil {
		*st.client = *clientRow // the caller's client as written
	}
	if st.after != nil {
		if err := st.after(ctx); err != nil {
			return nil, err
		}
	}
	if sess != nil {
		res.ClientToken = sessToken
		if user != nil {
			u := *user
			u.LastSignInAt, u.LastActiveAt, u.FailedAttempts = &now, &now, 0
			if d.Rehash && u.PasswordDigest == st.oldDigest {
				u.PasswordDigest = st.newDigest
			}
			user = &u
			next.User = user
		}
	}
	res.Client = e.clientView(st, clientRow, sess, user, multi)
	if derr != nil {
		if res.NewClient {
			return res, derr
		}
		return nil, derr
	}
	return res, nil
}

// saveCompletion writes a new session: the client's other sessions end in
// single-session mode, the session, session.created, the user's sign-in
// (and rehashed digest), sign_in.succeeded.
func (e *Engine) saveCompletion(ctx context.Context, q *store.Q, st *signInStep, d Decision, sess *gatehouse.Session, newClient, multi bool, now int64) error {
	if !multi && !newClient {
		if err := q.ReplaceClientSessions(ctx, sess.ClientID, now); err != nil {
			return err
		}
	}
	if err := q.InsertSession(ctx, sess); err != nil {
		return err
	}
	if err := store.Emit(ctx, e.events, q, gatehouse.EventSessionCreated, sess); err != nil {
		return err
	}
	var err error
	if d.Rehash && st.newDigest != "" {
		err = q.MarkSignInRehash(ctx, sess.UserID, now, st.oldDigest, st.newDigest)
	} else {
		err = q.MarkSignIn(ctx, sess.UserID, now)
	}
	if err != nil {
		return err
	}
	strategy := ""
	if d.SignIn != nil && d.SignIn.FirstFactor != nil {
		strategy = d.SignIn.FirstFactor.Strategy
	}
	return e.audit.In(ctx, q, audit.Event{Type: audit.SignInSucceeded, UserID: sess.UserID, SessionID: sess.ID,
		Data: map[string]any{"strategy": strategy}})
}

// clientView is the client as the step left it.
func (e *Engine) clientView(st *signInStep, row *gatehouse.Client, sess *gatehouse.Session, user *gatehouse.User, multi bool) *ClientView {
	v := &ClientView{Users: map[string]*gatehouse.User{}}
	switch {
	case row != nil:
		v.Client = *row
	case st.client != nil:
		v.Client = *st.client
	default:
		return nil
	}
	if sess == nil {
		v.Sessions, v.SessionsKnown = st.sessions, st.sessionsKnown || st.client == nil
		return v
	}
	v.Sessions = []*gatehouse.Session{sess}
	if user != nil {
		v.Users[user.ID] = user
	}
	// A new client has no other session; single-session mode ended them.
	v.SessionsKnown = st.client == nil || !multi
	return v
}

// errAttemptMoved is the answer for a step whose attempt another request
// changed meanwhile: the status it has now.
func (e *Engine) errAttemptMoved(ctx context.Context, q *store.Q, si *SignIn) error {
	var cur SignIn
	if _, err := e.loadAttempt(ctx, q, si.ID, si.ClientID, "sign_in", &cur); err != nil {
		return err
	}
	return errStatusInvalid(cur.Status)
}

// countFailure counts a failed factor toward the lockout inside q; it
// returns user_locked (as lerr) when this failure locked the account and
// the failure asks for it.
func (e *Engine) countFailure(ctx context.Context, q *store.Q, f *Failure) (lerr error, err error) {
	attempts, secs := e.settings().Lockout()
	until := e.clock.Now().Add(time.Duration(secs) * time.Second).UnixMilli()
	n, locked, err := q.RecordFailedAttempt(ctx, f.UserID, attempts, until)
	if err != nil {
		return nil, err
	}
	if err := e.audit.In(ctx, q, audit.Event{Type: audit.SignInFailed, UserID: f.UserID,
		Data: map[string]any{"strategy": f.Strategy, "failed_attempts": n}}); err != nil {
		return nil, err
	}
	if n == attempts {
		if err := e.audit.In(ctx, q, audit.Event{Type: audit.UserLocked, UserID: f.UserID,
			Data: map[string]any{"reason": "failed_attempts", "lockout_seconds": secs}}); err != nil {
			return nil, err
		}
	}
	if locked && f.LockErr {
		s := int64(secs)
		return errLocked(&s), nil
	}
	return nil, nil
}

// useCode spends one attempt of a code (refused when it is used up, expired
// or out of attempts meanwhile), spends a reset-code guess when asked, and
// consumes the code when asked — exactly one parallel caller wins that.
func (e *Engine) useCode(ctx context.Context, q *store.Q, u *CodeUse) error {
	now := e.now()
	spent, err := q.CountCodeAttempt(ctx, u.ID, now)
	if err != nil {
		return err
	}
	if !spent {
		return errTooManyAttempts()
	}
	if u.ResetBudget != "" {
		if err := e.resetGuard(ctx, u.ResetBudget)(q); err != nil {
			return err
		}
	}
	if !u.Consume {
		return nil
	}
	won, err := q.ConsumeCode(ctx, u.ID, now)
	if err != nil {
		return err
	}
	if !won {
		return errCodeUsed()
	}
	return nil
}
