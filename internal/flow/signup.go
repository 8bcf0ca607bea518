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

// CreateSignUp starts a sign-up on client c, or, with c nil (a browser
// without a client), on a client it creates in the same transaction.
func (e *Engine) CreateSignUp(ctx context.Context, c *gatehouse.Client, p SignUpParams) (*Result, error) {
	var known []*gatehouse.Session
	if c != nil {
		list, err := e.noActiveSession(ctx, c)
		if err != nil {
			return nil, err
		}
		known = list
	}
	now := e.now()
	su := &SignUp{ID: gatehouse.NewID(gatehouse.PrefixSignUp), Status: MissingRequirements, CreatedAt: now}
	if err := e.applySignUp(ctx, su, p); err != nil {
		return nil, err
	}
	res := &Result{SignUp: su}
	var nc *gatehouse.Client
	if c == nil {
		var err error
		if nc, res.ClientToken, err = e.sessions.BuildClient(); err != nil {
			return nil, err
		}
		res.NewClient = true
		su.ClientID = nc.ID
	} else {
		su.ClientID = c.ID
	}
	var row *gatehouse.Client
	err := e.st.Tx(ctx, func(q *store.Q) error {
		su.UpdatedAt = e.now()
		if nc != nil {
			nc.SignUpID = &su.ID
			if err := q.InsertClient(ctx, nc); err != nil {
				return err
			}
			row = nc
		} else {
			var err error
			if row, err = q.SetClientAttempt(ctx, c.ID, "sign_up", &su.ID, su.UpdatedAt); err != nil {
				return err
			}
		}
		return e.saveAttempt(ctx, q, su.ID, su.ClientID, "sign_up", su.CreatedAt, su)
	})
	if err != nil {
		return nil, err
	}
	res.Client = &ClientView{Client: *row, Users: map[string]*gatehouse.User{}, Sessions: known, SessionsKnown: c == nil || known != nil}
	return res, nil
}

// GetSignUp loads a sign-up of client c.
func (e *Engine) GetSignUp(ctx context.Context, c *gatehouse.Client, id string) (*SignUp, error) {
	var su SignUp
	if _, err := e.loadAttempt(ctx, e.st.Q(), id, c.ID, "sign_up", &su); err != nil {
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
		return nil, errSignUpStatusInvalid(su.Status)
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
			return gatehouse.Err(gatehouse.CodeParamFormatInvalid).Text("Enter a valid email address.").Param("email_address")
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
