package flow

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Sign-in codes (email_code) and reset codes (reset_password_email_code):
// the same code handling; a reset code also spends the account's reset
// budget (reset.go) and leads to needs_new_password instead of a session.

func codePurpose(strategy string) string {
	if strategy == StrategyResetEmailCode {
		return PurposeReset
	}
	return PurposeSignIn
}

// prepareCode issues a code for the sign-in and mails it (a phantom's code
// is random, stored like a real one and mailed to no one). The code row,
// email.created and the attempt are written in one transaction; the mail
// goes after the commit.
func (e *Engine) prepareCode(ctx context.Context, st *signInStep, p FactorParams) (*Result, error) {
	si := *st.si
	u := si.User
	if p.Strategy == StrategyEmailCode {
		if err := usable(u, e.clock.Now()); err != nil {
			return e.saveSignIn(ctx, st, Decision{Err: err})
		}
	} else if u.Banned {
		return e.saveSignIn(ctx, st, Decision{Err: errBanned()})
	} else if !si.Phantom {
		if err := e.checkResetBudget(ctx, u.ID); err != nil {
			return e.saveSignIn(ctx, st, Decision{Err: err})
		}
	}
	email, ok := emailFor(u, p.EmailAddressID)
	if !ok {
		return e.saveSignIn(ctx, st, Decision{Err: gatehouse.Err(gatehouse.CodeParamFormatInvalid).Text("email_address_id does not belong to this account.").Param("email_address_id")})
	}
	if err := e.gateMail(ctx, email.Value); err != nil {
		return e.saveSignIn(ctx, st, Decision{Err: err})
	}
	code, err := newCode()
	if err != nil {
		return nil, err
	}
	purpose := codePurpose(p.Strategy)
	test := !si.Phantom && e.dev && isTestEmail(email.Value)
	if test {
		code = TestCode
	}
	now := e.clock.Now()
	exp := now.Add(CodeLifetime).UnixMilli()
	row := &store.CodeRow{ID: gatehouse.NewID("code_"), OwnerID: si.ID, Purpose: purpose, Target: email.ID,
		CodeHash: codeHash(si.ID, code), MaxAttempts: CodeMaxAttempts, ExpireAt: exp, CreatedAt: now.UnixMilli()}
	st.extra = func(q *store.Q) error {
		if err := q.InsertCode(ctx, row); err != nil {
			return err
		}
		if si.Phantom {
			return nil
		}
		return e.emitEmail(ctx, q, purpose, email.Value, code, u.ID, email.ID)
	}
	if !si.Phantom && !test {
		st.after = func(ctx context.Context) error {
			if err := e.mailer.SendCode(ctx, email.Value, purpose, code); err != nil {
				return fmt.Errorf("send %s mail: %w", purpose, err)
			}
			return nil
		}
	}
	si.FirstFactor = &Verification{Strategy: p.Strategy, Status: gatehouse.VerificationUnverified, ExpireAt: &exp, Target: email.ID}
	return e.saveSignIn(ctx, st, Decision{SignIn: &si})
}

// attemptCode checks a sign-in or reset code: load the newest code, decide
// (decideCode), save — spending the code's attempt, the reset budget, the
// lockout count and completing, in one transaction.
func (e *Engine) attemptCode(ctx context.Context, st *signInStep, p FactorParams) (*Result, error) {
	in := CodeInput{SignIn: *st.si, User: st.si.User, Strategy: p.Strategy, Code: p.Code, Now: e.clock.Now()}
	if err := precheckCode(in); err != nil {
		return nil, err
	}
	row, err := e.st.Q().LatestCode(ctx, st.si.ID, codePurpose(p.Strategy))
	switch {
	case err == nil:
		in.Row = row
	case !errors.Is(err, gatehouse.ErrNotFound):
		return nil, err
	}
	return e.saveSignIn(ctx, st, decideCode(in))
}
