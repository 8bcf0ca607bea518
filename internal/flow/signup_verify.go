package flow

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/users"
)

// PrepareVerification mails an email code for the sign-up's address: the
// code, email.created and the attempt in one transaction, the mail after.
func (e *Engine) PrepareVerification(ctx context.Context, c *gatehouse.Client, id, strategy string) (*Result, error) {
	su, err := e.openSignUp(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if strategy != StrategyEmailCode {
		return nil, errStrategy(strategy)
	}
	if su.EmailAddress == "" {
		return nil, gatehouse.ParamMissing("email_address")
	}
	code, err := e.newCodeFor(ctx, su.ID, PurposeVerifyEmail, su.EmailAddress, su.EmailAddress)
	if err != nil {
		return nil, err
	}
	exp := code.row.ExpireAt
	su.EmailVerification = &Verification{Strategy: StrategyEmailCode, Status: gatehouse.VerificationUnverified, ExpireAt: &exp, Target: su.EmailAddress}
	su.UpdatedAt = e.now()
	err = e.st.Tx(ctx, func(q *store.Q) error {
		if err := e.storeCode(ctx, q, code, "", ""); err != nil {
			return err
		}
		return e.saveAttempt(ctx, q, su.ID, c.ID, "sign_up", su.CreatedAt, su)
	})
	if err != nil {
		return nil, err
	}
	if err := e.mailCode(ctx, code); err != nil {
		return nil, err
	}
	return &Result{SignUp: su}, nil
}

// SignUpCodeInput is what a sign-up code attempt decides on.
type SignUpCodeInput struct {
	SignUp   SignUp // as loaded (status missing_requirements)
	Strategy string
	Code     string
	Row      *store.CodeRow // the newest code; nil: none was issued
	Now      time.Time
}

// decideSignUpCode decides a sign-up's email code attempt: the next state
// of the attempt (nil: not written), the code use, whether the sign-up is
// complete (the user and session are created), and the error.
func decideSignUpCode(in SignUpCodeInput) (next *SignUp, use *CodeUse, complete bool, err error) {
	su := in.SignUp
	switch {
	case su.Status != MissingRequirements:
		return nil, nil, false, errSignUpStatusInvalid(su.Status)
	case in.Strategy != StrategyEmailCode:
		return nil, nil, false, errStrategy(in.Strategy)
	case in.Code == "":
		return nil, nil, false, gatehouse.ParamMissing("code")
	case su.EmailVerification == nil:
		return nil, nil, false, errVerificationMissing()
	}
	row, now := in.Row, in.Now.UnixMilli()
	switch {
	case row == nil:
		return nil, nil, false, errVerificationMissing()
	case row.ConsumedAt != nil:
		return nil, nil, false, errCodeUsed()
	case row.ExpireAt <= now:
		return nil, nil, false, errVerificationExpired()
	case row.Attempts >= row.MaxAttempts:
		return nil, nil, false, errTooManyAttempts()
	}
	v := *su.EmailVerification
	v.Attempts++
	su.EmailVerification = &v
	use = &CodeUse{ID: row.ID}
	if len(in.Code) != 6 || subtle.ConstantTimeCompare(codeHash(su.ID, in.Code), row.CodeHash) != 1 {
		return &su, use, false, errCodeIncorrect()
	}
	use.Consume = true
	v.Status = gatehouse.VerificationVerified
	return &su, use, len(su.MissingFields()) == 0, nil
}

// AttemptVerification checks the email code; when nothing else is missing it
// creates the user and the session. Load (the attempt, the newest code),
// decide (decideSignUpCode), save in one transaction.
func (e *Engine) AttemptVerification(ctx context.Context, c *gatehouse.Client, id, strategy, code string) (*Result, error) {
	su, err := e.openSignUp(ctx, c, id)
	if err != nil {
		return nil, err
	}
	in := SignUpCodeInput{SignUp: *su, Strategy: strategy, Code: code, Now: e.clock.Now()}
	if strategy == StrategyEmailCode && code != "" && su.EmailVerification != nil {
		row, err := e.st.Q().LatestCode(ctx, su.ID, PurposeVerifyEmail)
		switch {
		case err == nil:
			in.Row = row
		case !errors.Is(err, gatehouse.ErrNotFound):
			return nil, err
		}
	}
	next, use, complete, derr := decideSignUpCode(in)
	if use == nil {
		return nil, derr
	}
	if complete {
		return e.completeSignUp(ctx, c, next, use)
	}
	next.UpdatedAt = e.now()
	err = e.st.Tx(ctx, func(q *store.Q) error {
		if err := e.useCode(ctx, q, use); err != nil {
			return err
		}
		return e.saveAttempt(ctx, q, next.ID, c.ID, "sign_up", next.CreatedAt, next)
	})
	if err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, derr
	}
	return &Result{SignUp: next}, nil
}

// completeSignUp spends the code and creates the user and its session in one
// transaction, and returns the client as written.
func (e *Engine) completeSignUp(ctx context.Context, c *gatehouse.Client, su *SignUp, use *CodeUse) (*Result, error) {
	u, err := e.users.Build(ctx, users.CreateParams{EmailAddresses: []string{su.EmailAddress}, FirstName: su.FirstName,
		LastName: su.LastName, Username: su.Username, UnsafeMetadata: su.UnsafeMetadata, OwnDigest: su.PasswordDigest,
		Verified: true, VerifiedStrategy: gatehouse.StrategyEmailCode})
	if err != nil {
		return nil, err
	}
	sess, tok, hash, err := e.sessions.NewSession(c.ID, u.ID)
	if err != nil {
		return nil, err
	}
	multi := e.settings().MultiSession
	var row *gatehouse.Client
	err = e.st.Tx(ctx, func(q *store.Q) error {
		if err := e.useCode(ctx, q, use); err != nil {
			return err
		}
		if err := e.users.Insert(ctx, q, u); err != nil {
			return err
		}
		now := sess.CreatedAt
		// The client row first: completions on one client serialise here.
		if row, err = q.CompleteOnClient(ctx, c.ID, "sign_up", hash, sess.ID, now); err != nil {
			return err
		}
		if !multi {
			if err := q.ReplaceClientSessions(ctx, c.ID, now); err != nil {
				return err
			}
		}
		if err := q.InsertSession(ctx, sess); err != nil {
			return err
		}
		if err := store.Emit(ctx, e.events, q, gatehouse.EventSessionCreated, sess); err != nil {
			return err
		}
		if err := q.MarkSignIn(ctx, u.ID, now); err != nil {
			return err
		}
		su.Status, su.CreatedUserID, su.CreatedSessionID, su.UpdatedAt = Complete, u.ID, sess.ID, e.now()
		su.PasswordDigest = "set" // keep has_password true without keeping the digest around
		return e.saveAttempt(ctx, q, su.ID, c.ID, "sign_up", su.CreatedAt, su)
	})
	if err != nil {
		return nil, err
	}
	*c = *row
	now := sess.CreatedAt
	u.LastSignInAt, u.LastActiveAt = &now, &now
	view := &ClientView{Client: *row, Sessions: []*gatehouse.Session{sess}, Users: map[string]*gatehouse.User{u.ID: u}, SessionsKnown: !multi}
	return &Result{SignUp: su, ClientToken: tok, Client: view}, nil
}
