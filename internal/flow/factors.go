package flow

import (
	"context"
	"errors"
	"github.com/gatehouse/gatehouse/internal/audit"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
)

// FactorParams are the inputs of prepare/attempt first factor.
type FactorParams struct {
	Strategy       string
	EmailAddressID string
	Password       string
	Code           string
}

func (e *Engine) signInForStep(ctx context.Context, c *gatehouse.Client, id string, want ...string) (*SignIn, *gatehouse.User, error) {
	si, err := e.GetSignIn(ctx, c, id)
	if err != nil {
		return nil, nil, err
	}
	ok := false
	for _, w := range want {
		ok = ok || si.Status == w
	}
	if !ok {
		return nil, nil, errStatusInvalid(si.Status)
	}
	if si.User == nil {
		return nil, nil, errIdentifierNotFound()
	}
	return si, si.User, nil
}

// emailFor picks the user's email identification for a code: the one named,
// else the primary.
func emailFor(u *gatehouse.User, id string) (gatehouse.Identification, bool) {
	for _, e := range u.EmailAddresses {
		if (id != "" && e.ID == id) || (id == "" && u.PrimaryEmailAddressID != nil && e.ID == *u.PrimaryEmailAddressID) {
			return e, true
		}
	}
	return gatehouse.Identification{}, false
}

// PrepareFirstFactor sends a sign-in or reset code.
func (e *Engine) PrepareFirstFactor(ctx context.Context, c *gatehouse.Client, id string, p FactorParams) (*Result, error) {
	si, u, err := e.signInForStep(ctx, c, id, NeedsFirstFactor)
	if err != nil {
		return nil, err
	}
	purpose := PurposeSignIn
	switch p.Strategy {
	case StrategyEmailCode:
	case StrategyResetEmailCode:
		purpose = PurposeReset
	case StrategyPassword:
		si.FirstFactor = &Verification{Strategy: StrategyPassword, Status: gatehouse.VerificationUnverified}
		return e.saveSignIn(ctx, c, si)
	default:
		return nil, errStrategy(p.Strategy)
	}
	if p.Strategy == StrategyEmailCode {
		if err := e.checkUsable(u); err != nil {
			return nil, err
		}
	} else if u.Banned {
		return nil, errBanned()
	} else if !si.Phantom {
		if err := e.checkResetBudget(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	email, ok := emailFor(u, p.EmailAddressID)
	if !ok {
		return nil, formErr(422, gatehouse.CodeParamFormatInvalid, "email_address_id does not belong to this account.", "email_address_id")
	}
	var exp int64
	if si.Phantom {
		exp, err = e.issuePhantomCode(ctx, si.ID, purpose, email.ID, email.Value)
	} else {
		exp, err = e.issueCode(ctx, si.ID, purpose, email.ID, email.Value, u.ID, email.ID)
	}
	if err != nil {
		return nil, err
	}
	si.FirstFactor = &Verification{Strategy: p.Strategy, Status: gatehouse.VerificationUnverified, ExpireAt: &exp, Target: email.ID}
	return e.saveSignIn(ctx, c, si)
}

func (e *Engine) saveSignIn(ctx context.Context, c *gatehouse.Client, si *SignIn) (*Result, error) {
	si.UpdatedAt = e.now()
	err := e.st.Tx(ctx, func(q *store.Q) error { return e.saveAttempt(ctx, q, si.ID, c.ID, "sign_in", si.CreatedAt, si) })
	if err != nil {
		return nil, err
	}
	return &Result{SignIn: si}, nil
}

// AttemptFirstFactor checks a password, a sign-in code or a reset code.
func (e *Engine) AttemptFirstFactor(ctx context.Context, c *gatehouse.Client, id string, p FactorParams) (*Result, error) {
	si, u, err := e.signInForStep(ctx, c, id, NeedsFirstFactor)
	if err != nil {
		return nil, err
	}
	switch p.Strategy {
	case StrategyPassword:
		if err := e.checkUsable(u); err != nil {
			return nil, err
		}
		if p.Password == "" {
			return nil, gatehouse.ParamMissing("password")
		}
		if si.Phantom || (si.Protected && !u.PasswordEnabled()) {
			// No account, or one without a password: the same argon2id work
			// and the same answer as a wrong password.
			if err := e.users.Hasher().VerifyDummy(ctx, p.Password); err != nil {
				return nil, err
			}
			if si.Phantom {
				e.audit.Record(ctx, audit.Event{Type: audit.SignInFailed, Data: map[string]any{"strategy": StrategyPassword, "account": "none"}})
			} else if err := e.recordFailure(ctx, u.ID, StrategyPassword); err != nil {
				return nil, err
			}
			return nil, errPasswordIncorrect()
		}
		if !u.PasswordEnabled() {
			return nil, errStrategy(StrategyPassword)
		}
		ok, rehash, err := e.users.Hasher().Verify(ctx, p.Password, u.PasswordDigest)
		if err != nil {
			return nil, err
		}
		if !ok {
			if err := e.recordFailure(ctx, u.ID, StrategyPassword); err != nil {
				return nil, err
			}
			return nil, errPasswordIncorrect()
		}
		si.FirstFactor = &Verification{Strategy: StrategyPassword, Status: gatehouse.VerificationVerified}
		var fresh string
		if rehash {
			fresh, _ = e.users.Hasher().Hash(ctx, p.Password)
		}
		return e.completeSignIn(ctx, c, si, func(q *store.Q) error {
			if fresh == "" {
				return nil
			}
			cur, err := q.GetUserForUpdate(ctx, u.ID)
			if err != nil || cur.PasswordDigest != u.PasswordDigest {
				return err
			}
			cur.PasswordDigest = fresh
			return q.UpdateUser(ctx, cur)
		})
	case StrategyEmailCode, StrategyResetEmailCode:
		reset := p.Strategy == StrategyResetEmailCode
		if reset {
			if u.Banned {
				return nil, errBanned()
			}
		} else if err := e.checkUsable(u); err != nil {
			return nil, err
		}
		if p.Code == "" {
			return nil, gatehouse.ParamMissing("code")
		}
		if si.FirstFactor == nil || si.FirstFactor.Strategy != p.Strategy {
			return nil, formErr(422, "verification_missing", "Request a code first.", "code")
		}
		purpose := PurposeSignIn
		if reset {
			purpose = PurposeReset
		}
		si.FirstFactor.Attempts++
		var guard func(q *store.Q) error
		if reset && !si.Phantom {
			guard = e.resetGuard(ctx, u.ID)
		}
		_, err := e.redeemCode(ctx, si.ID, purpose, p.Code, guard)
		if err == nil && si.Phantom {
			err = errWrongCode // a phantom's code is random and unsent; even a lucky guess opens nothing
		}
		if err != nil {
			if errors.Is(err, errWrongCode) && si.Phantom {
				e.audit.Record(ctx, audit.Event{Type: audit.SignInFailed, Data: map[string]any{"strategy": p.Strategy, "account": "none"}})
				_, _ = e.saveSignIn(ctx, c, si)
				return nil, errCodeIncorrect()
			}
			if errors.Is(err, errWrongCode) {
				if lerr := e.recordFailure(ctx, u.ID, p.Strategy); lerr != nil && !reset {
					return nil, lerr
				}
				_, _ = e.saveSignIn(ctx, c, si)
				return nil, errCodeIncorrect()
			}
			return nil, err
		}
		si.FirstFactor.Status = gatehouse.VerificationVerified
		if reset {
			si.Status = NeedsNewPassword
			return e.saveSignIn(ctx, c, si)
		}
		return e.completeSignIn(ctx, c, si, nil)
	}
	return nil, errStrategy(p.Strategy)
}

// ResetPassword sets a new password after a verified reset code, optionally
// revokes every other session of the user, clears any lockout and signs in.
func (e *Engine) ResetPassword(ctx context.Context, c *gatehouse.Client, id, newPassword string, signOutAll bool) (*Result, error) {
	si, u, err := e.signInForStep(ctx, c, id, NeedsNewPassword)
	if err != nil {
		return nil, err
	}
	if err := e.users.CheckPassword(ctx, newPassword, false); err != nil {
		return nil, err
	}
	digest, err := e.users.Hasher().Hash(ctx, newPassword)
	if err != nil {
		return nil, err
	}
	return e.completeSignIn(ctx, c, si, func(q *store.Q) error {
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
			_, err = e.sessions.RevokeUserSessions(ctx, q, u.ID, "")
		}
		return err
	})
}
