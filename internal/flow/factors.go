package flow

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// FactorParams are the inputs of prepare/attempt first factor.
type FactorParams struct {
	Strategy       string
	EmailAddressID string
	Password       string
	Code           string
}

// loadSignIn loads a sign-in of client c with its user (the phantom's
// stand-in for a phantom) and its stored state, for a step.
func (e *Engine) loadSignIn(ctx context.Context, c *gatehouse.Client, id string) (*signInStep, error) {
	si, state, err := e.getSignIn(ctx, c, id)
	if err != nil {
		return nil, err
	}
	st := &signInStep{client: c, si: si, loaded: state}
	if !si.Phantom {
		st.user = si.User
	}
	return st, nil
}

// signInForStep loads a sign-in whose status is one of want, with its user.
func (e *Engine) signInForStep(ctx context.Context, c *gatehouse.Client, id string, want ...string) (*signInStep, error) {
	st, err := e.loadSignIn(ctx, c, id)
	if err != nil {
		return nil, err
	}
	ok := false
	for _, w := range want {
		ok = ok || st.si.Status == w
	}
	if !ok {
		return nil, errStatusInvalid(st.si.Status)
	}
	if st.si.User == nil {
		return nil, errIdentifierNotFound()
	}
	return st, nil
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

// PrepareFirstFactor sends a sign-in or reset code (factor_email_code.go),
// or selects the password.
func (e *Engine) PrepareFirstFactor(ctx context.Context, c *gatehouse.Client, id string, p FactorParams) (*Result, error) {
	st, err := e.signInForStep(ctx, c, id, NeedsFirstFactor)
	if err != nil {
		return nil, err
	}
	return e.prepareFirstFactor(ctx, st, p)
}

func (e *Engine) prepareFirstFactor(ctx context.Context, st *signInStep, p FactorParams) (*Result, error) {
	switch p.Strategy {
	case StrategyEmailCode, StrategyResetEmailCode:
		return e.prepareCode(ctx, st, p)
	case StrategyPassword:
		si := *st.si
		si.FirstFactor = &Verification{Strategy: StrategyPassword, Status: gatehouse.VerificationUnverified}
		return e.saveSignIn(ctx, st, Decision{SignIn: &si})
	}
	return e.saveSignIn(ctx, st, Decision{Err: errStrategy(p.Strategy)})
}

// AttemptFirstFactor checks a password (factor_password.go), a sign-in code
// or a reset code (factor_email_code.go).
func (e *Engine) AttemptFirstFactor(ctx context.Context, c *gatehouse.Client, id string, p FactorParams) (*Result, error) {
	st, err := e.signInForStep(ctx, c, id, NeedsFirstFactor)
	if err != nil {
		return nil, err
	}
	switch p.Strategy {
	case StrategyPassword:
		return e.attemptPassword(ctx, st, p.Password)
	case StrategyEmailCode, StrategyResetEmailCode:
		return e.attemptCode(ctx, st, p)
	}
	return nil, errStrategy(p.Strategy)
}
