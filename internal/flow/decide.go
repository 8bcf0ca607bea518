package flow

import (
	"crypto/subtle"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/users"
)

// A flow step loads what it needs, decides in one of the pure functions of
// this file, and saves the decision in one transaction (save.go). See
// docs/design-core.md.

// Decision is the outcome of a step: the attempt's next state and the
// writes that go with it. A decision can carry an error and writes at once
// (a wrong password still counts toward the lockout).
type Decision struct {
	SignIn   *SignIn // the attempt's next state; nil: the attempt is not written
	Complete bool    // start a session for SignIn.UserID and rotate the client token
	Rehash   bool    // store the digest computed during load (password sign-in)
	Failure  *Failure
	Code     *CodeUse // spend (and consume) a one-time code
	Audit    []audit.Event
	Err      error
}

// Failure is a failed factor counted toward the account lockout. The count
// is the database's (it moves under concurrent requests): the save turns the
// attempt that reaches the limit into user_locked when LockErr is set.
type Failure struct {
	UserID   string
	Strategy string
	LockErr  bool
}

// CodeUse spends one attempt of a code and, when Consume is set, uses it
// up. ResetBudget names the user whose reset-code guess budget the attempt
// also spends (reset.go).
type CodeUse struct {
	ID          string
	Consume     bool
	ResetBudget string
}

// passwordCheck is the verification a password attempt runs between load
// and decide.
type passwordCheck int

const (
	checkNone  passwordCheck = iota // refused before any hashing
	checkReal                       // verify against the user's digest
	checkDummy                      // the same argon2id work, always failing
)

// PasswordInput is what a password attempt decides on.
type PasswordInput struct {
	SignIn   SignIn          // the attempt as loaded
	User     *gatehouse.User // nil: the account is gone
	Password string
	Now      time.Time
}

// planPassword says which verification to run, or refuses before any
// hashing (wrong status, no account, banned, locked, no password given,
// an account without a password when enumeration is allowed).
func planPassword(in PasswordInput) (passwordCheck, error) {
	si, u := in.SignIn, in.User
	if si.Status != NeedsFirstFactor {
		return checkNone, errStatusInvalid(si.Status)
	}
	if u == nil {
		return checkNone, errIdentifierNotFound()
	}
	if err := usable(u, in.Now); err != nil {
		return checkNone, err
	}
	if in.Password == "" {
		return checkNone, gatehouse.ParamMissing("password")
	}
	if si.Phantom || (si.Protected && !u.PasswordEnabled()) {
		// No account, or one without a password: the same argon2id work
		// and the same answer as a wrong password.
		return checkDummy, nil
	}
	if !u.PasswordEnabled() {
		return checkNone, errStrategy(StrategyPassword)
	}
	return checkReal, nil
}

// decidePassword decides a password attempt after the verification check
// ran with verdict ok (and needsRehash for an outdated digest).
func decidePassword(in PasswordInput, check passwordCheck, ok, needsRehash bool) Decision {
	si := in.SignIn
	switch {
	case check == checkNone:
		_, err := planPassword(in)
		return Decision{Err: err}
	case check == checkDummy && si.Phantom:
		return Decision{Err: errPasswordIncorrect(), Audit: []audit.Event{{Type: audit.SignInFailed,
			Data: map[string]any{"strategy": StrategyPassword, "account": "none"}}}}
	case check == checkDummy || !ok:
		return Decision{Err: errPasswordIncorrect(), Failure: &Failure{UserID: in.User.ID, Strategy: StrategyPassword, LockErr: true}}
	}
	si.FirstFactor = &Verification{Strategy: StrategyPassword, Status: gatehouse.VerificationVerified}
	return Decision{SignIn: &si, Complete: true, Rehash: needsRehash}
}

// CodeInput is what a sign-in or reset code attempt decides on.
type CodeInput struct {
	SignIn   SignIn          // the attempt as loaded
	User     *gatehouse.User // nil: the account is gone
	Strategy string          // email_code or reset_password_email_code
	Code     string
	Row      *store.CodeRow // the newest code of the attempt; nil: none was issued
	Now      time.Time
}

// precheckCode refuses a code attempt before the code is looked at.
func precheckCode(in CodeInput) error {
	si, u := in.SignIn, in.User
	if si.Status != NeedsFirstFactor {
		return errStatusInvalid(si.Status)
	}
	if u == nil {
		return errIdentifierNotFound()
	}
	if in.Strategy == StrategyResetEmailCode {
		// A locked account can still reset its password (reset.go).
		if u.Banned {
			return errBanned()
		}
	} else if err := usable(u, in.Now); err != nil {
		return err
	}
	if in.Code == "" {
		return gatehouse.ParamMissing("code")
	}
	if si.FirstFactor == nil || si.FirstFactor.Strategy != in.Strategy {
		return errVerificationMissing()
	}
	return nil
}

// decideCode decides a code attempt. The code is compared in constant time
// against the hash bound to the attempt; a phantom's code never matches
// anything, even a lucky guess.
func decideCode(in CodeInput) Decision {
	if err := precheckCode(in); err != nil {
		return Decision{Err: err}
	}
	row, now := in.Row, in.Now.UnixMilli()
	switch {
	case row == nil:
		return Decision{Err: errVerificationMissing()}
	case row.ConsumedAt != nil:
		return Decision{Err: errCodeUsed()}
	case row.ExpireAt <= now:
		return Decision{Err: errVerificationExpired()}
	case row.Attempts >= row.MaxAttempts:
		return Decision{Err: errTooManyAttempts()}
	}
	si := in.SignIn
	ff := *si.FirstFactor
	ff.Attempts++
	si.FirstFactor = &ff
	reset := in.Strategy == StrategyResetEmailCode
	use := &CodeUse{ID: row.ID}
	if reset && !si.Phantom {
		use.ResetBudget = in.User.ID
	}
	match := len(in.Code) == 6 && subtle.ConstantTimeCompare(codeHash(si.ID, in.Code), row.CodeHash) == 1
	switch {
	case si.Phantom:
		return Decision{SignIn: &si, Code: use, Err: errCodeIncorrect(), Audit: []audit.Event{{Type: audit.SignInFailed,
			Data: map[string]any{"strategy": in.Strategy, "account": "none"}}}}
	case !match:
		return Decision{SignIn: &si, Code: use, Err: errCodeIncorrect(),
			Failure: &Failure{UserID: in.User.ID, Strategy: in.Strategy, LockErr: !reset}}
	}
	use.Consume = true
	ff.Status = gatehouse.VerificationVerified
	if reset {
		si.Status = NeedsNewPassword
		return Decision{SignIn: &si, Code: use}
	}
	return Decision{SignIn: &si, Code: use, Complete: true}
}

// usable refuses banned and locked users.
func usable(u *gatehouse.User, now time.Time) error {
	if u.Banned {
		return errBanned()
	}
	if locked, secs := users.IsLocked(u, now); locked {
		return errLocked(secs)
	}
	return nil
}
