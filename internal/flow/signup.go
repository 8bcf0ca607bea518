package flow

import (
	"context"
	"errors"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/users"
)

// Sign-up statuses.
const (
	MissingRequirements = "missing_requirements"
)

// SignUp is a sign-up attempt's state.
type SignUp struct {
	ID                string         `json:"id"`
	ClientID          string         `json:"client_id"`
	Status            string         `json:"status"`
	EmailAddress      string         `json:"email_address,omitempty"`
	EmailVerification *Verification  `json:"email_verification,omitempty"`
	PasswordDigest    string         `json:"password_digest,omitempty"`
	FirstName         *string        `json:"first_name,omitempty"`
	LastName          *string        `json:"last_name,omitempty"`
	Username          *string        `json:"username,omitempty"`
	UnsafeMetadata    map[string]any `json:"unsafe_metadata,omitempty"`
	CreatedUserID     string         `json:"created_user_id,omitempty"`
	CreatedSessionID  string         `json:"created_session_id,omitempty"`
	CreatedAt         int64          `json:"created_at"`
	UpdatedAt         int64          `json:"updated_at"`
}

// Required lists the fields a sign-up must have.
var Required = []string{"email_address", "password"}

// Optional lists the fields a sign-up may have.
var Optional = []string{"first_name", "last_name", "username"}

// MissingFields returns the required fields not yet supplied.
func (su *SignUp) MissingFields() []string {
	out := []string{}
	if su.EmailAddress == "" {
		out = append(out, "email_address")
	}
	if su.PasswordDigest == "" {
		out = append(out, "password")
	}
	return out
}

// UnverifiedFields returns supplied fields still awaiting verification.
func (su *SignUp) UnverifiedFields() []string {
	if su.EmailAddress != "" && (su.EmailVerification == nil || su.EmailVerification.Status != gatehouse.VerificationVerified) {
		return []string{"email_address"}
	}
	return []string{}
}

// SignUpParams are the fields of a sign-up create or update; nil leaves a
// field alone.
type SignUpParams struct {
	EmailAddress   *string
	Password       *string
	FirstName      *string
	LastName       *string
	Username       *string
	UnsafeMetadata map[string]any
}

// CreateSignUp starts a sign-up on client c.
func (e *Engine) CreateSignUp(ctx context.Context, c *gatehouse.Client, p SignUpParams) (*Result, error) {
	if err := e.noActiveSession(ctx, c); err != nil {
		return nil, err
	}
	now := e.now()
	su := &SignUp{ID: gatehouse.NewID(gatehouse.PrefixSignUp), ClientID: c.ID, Status: MissingRequirements, CreatedAt: now}
	if err := e.applySignUp(ctx, su, p); err != nil {
		return nil, err
	}
	err := e.st.Tx(ctx, func(q *store.Q) error {
		su.UpdatedAt = e.now()
		if err := e.saveAttempt(ctx, q, su.ID, c.ID, "sign_up", su.CreatedAt, su); err != nil {
			return err
		}
		return e.setClientAttempt(ctx, q, c, "sign_up", &su.ID)
	})
	if err != nil {
		return nil, err
	}
	return &Result{SignUp: su}, nil
}

// GetSignUp loads a sign-up of client c.
func (e *Engine) GetSignUp(ctx context.Context, c *gatehouse.Client, id string) (*SignUp, error) {
	var su SignUp
	if err := e.loadAttempt(ctx, e.st.Q(), id, c.ID, "sign_up", &su); err != nil {
		return nil, err
	}
	return &su, nil
}

// UpdateSignUp changes fields of an unfinished sign-up.
func (e *Engine) UpdateSignUp(ctx context.Context, c *gatehouse.Client, id string, p SignUpParams) (*Result, error) {
	su, err := e.openSignUp(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if err := e.applySignUp(ctx, su, p); err != nil {
		return nil, err
	}
	return e.saveSignUp(ctx, c, su)
}

func (e *Engine) openSignUp(ctx context.Context, c *gatehouse.Client, id string) (*SignUp, error) {
	su, err := e.GetSignUp(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if su.Status != MissingRequirements {
		return nil, formErr(422, "sign_up_status_invalid", "This sign-up is "+su.Status+".", "")
	}
	return su, nil
}

func (e *Engine) saveSignUp(ctx context.Context, c *gatehouse.Client, su *SignUp) (*Result, error) {
	su.UpdatedAt = e.now()
	if err := e.st.Tx(ctx, func(q *store.Q) error { return e.saveAttempt(ctx, q, su.ID, c.ID, "sign_up", su.CreatedAt, su) }); err != nil {
		return nil, err
	}
	return &Result{SignUp: su}, nil
}

// applySignUp validates and applies fields. The password is hashed here, so
// only its digest is ever stored in the attempt.
func (e *Engine) applySignUp(ctx context.Context, su *SignUp, p SignUpParams) error {
	if p.EmailAddress != nil {
		norm, ok := users.NormalizeEmail(*p.EmailAddress)
		if !ok {
			return formErr(422, gatehouse.CodeParamFormatInvalid, "Enter a valid email address.", "email_address")
		}
		if err := e.users.ReleaseStaleEmail(ctx, norm); err != nil {
			return err
		}
		if _, err := e.st.Q().FindIdentification(ctx, gatehouse.KindEmail, norm); err == nil {
			return gatehouse.IdentifierExists("email_address", "email address")
		} else if !errors.Is(err, gatehouse.ErrNotFound) {
			return err
		}
		if su.EmailAddress != *p.EmailAddress {
			su.EmailAddress, su.EmailVerification = *p.EmailAddress, nil
		}
	}
	if p.Username != nil {
		name, gerr := users.NormalizeUsername(*p.Username)
		if gerr != nil {
			return gerr
		}
		su.Username = &name
	}
	if p.FirstName != nil {
		su.FirstName = p.FirstName
	}
	if p.LastName != nil {
		su.LastName = p.LastName
	}
	if p.UnsafeMetadata != nil {
		su.UnsafeMetadata = p.UnsafeMetadata
	}
	if p.Password != nil {
		if err := e.users.CheckPassword(ctx, *p.Password, false); err != nil {
			return err
		}
		d, err := e.users.Hasher().Hash(ctx, *p.Password)
		if err != nil {
			return err
		}
		su.PasswordDigest = d
	}
	return nil
}

// PrepareVerification mails an email code for the sign-up's address.
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
	exp, err := e.issueCode(ctx, su.ID, PurposeVerifyEmail, su.EmailAddress, su.EmailAddress, "", "")
	if err != nil {
		return nil, err
	}
	su.EmailVerification = &Verification{Strategy: StrategyEmailCode, Status: gatehouse.VerificationUnverified, ExpireAt: &exp, Target: su.EmailAddress}
	return e.saveSignUp(ctx, c, su)
}

// AttemptVerification checks the email code; when nothing else is missing it
// creates the user and the session in one transaction.
func (e *Engine) AttemptVerification(ctx context.Context, c *gatehouse.Client, id, strategy, code string) (*Result, error) {
	su, err := e.openSignUp(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if strategy != StrategyEmailCode {
		return nil, errStrategy(strategy)
	}
	if code == "" {
		return nil, gatehouse.ParamMissing("code")
	}
	if su.EmailVerification == nil {
		return nil, formErr(422, "verification_missing", "Request a code first.", "code")
	}
	su.EmailVerification.Attempts++
	if _, err := e.redeemCode(ctx, su.ID, PurposeVerifyEmail, code, nil); err != nil {
		if errors.Is(err, errWrongCode) {
			_, _ = e.saveSignUp(ctx, c, su)
			return nil, errCodeIncorrect()
		}
		return nil, err
	}
	su.EmailVerification.Status = gatehouse.VerificationVerified
	if len(su.MissingFields()) > 0 {
		return e.saveSignUp(ctx, c, su)
	}
	return e.completeSignUp(ctx, c, su)
}

func (e *Engine) completeSignUp(ctx context.Context, c *gatehouse.Client, su *SignUp) (*Result, error) {
	u, err := e.users.Build(ctx, users.CreateParams{EmailAddresses: []string{su.EmailAddress}, FirstName: su.FirstName,
		LastName: su.LastName, Username: su.Username, UnsafeMetadata: su.UnsafeMetadata, OwnDigest: su.PasswordDigest,
		Verified: true, VerifiedStrategy: gatehouse.StrategyEmailCode})
	if err != nil {
		return nil, err
	}
	var tok string
	err = e.st.Tx(ctx, func(q *store.Q) error {
		if err := e.users.Insert(ctx, q, u); err != nil {
			return err
		}
		cur, err := q.GetClientForUpdate(ctx, c.ID)
		if err != nil {
			return err
		}
		sess, t, err := e.sessions.CreateSession(ctx, q, cur, u.ID)
		if err != nil {
			return err
		}
		tok = t
		su.Status, su.CreatedUserID, su.CreatedSessionID, su.UpdatedAt = Complete, u.ID, sess.ID, e.now()
		su.PasswordDigest = "set" // keep has_password true without keeping the digest around
		if err := e.saveAttempt(ctx, q, su.ID, c.ID, "sign_up", su.CreatedAt, su); err != nil {
			return err
		}
		*c = *cur
		return e.setClientAttempt(ctx, q, c, "sign_up", nil)
	})
	if err != nil {
		return nil, err
	}
	return &Result{SignUp: su, ClientToken: tok}, nil
}
