package users

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/store"
)

// CreateParams are the inputs of Create (BAPI POST /users).
type CreateParams struct {
	ExternalID                *string
	FirstName, LastName       *string
	Username                  *string
	EmailAddresses            []string
	PhoneNumbers              []string
	Password                  *string
	PasswordDigest            *string
	PasswordHasher            *string
	SkipPasswordChecks        bool
	PublicMetadata            map[string]any
	PrivateMetadata           map[string]any
	UnsafeMetadata            map[string]any
	DeleteSelfEnabled         *bool
	CreateOrganizationEnabled *bool
	LegalAcceptedAt           *int64
	// Verified marks the identifications verified (true for admin-created users).
	Verified bool
	// VerifiedStrategy overrides the strategy recorded on verified identifications.
	VerifiedStrategy string
	// OwnDigest is an argon2id digest Gatehouse already computed (sign-up).
	OwnDigest string
	// Banned and Locked create the user already banned or locked (for the
	// instance's lockout duration), in the same transaction and the same
	// user.created event: never a user.created followed by a user.updated.
	Banned, Locked bool
}

// Create validates p and creates the user with its identifications in one
// transaction.
func (s *Service) Create(ctx context.Context, p CreateParams) (*gatehouse.User, error) {
	u, err := s.Build(ctx, p)
	if err != nil {
		return nil, err
	}
	err = s.st.Tx(ctx, func(q *store.Q) error {
		if err := s.Insert(ctx, q, u); err != nil {
			return err
		}
		if u.Banned {
			if err := s.audit.In(ctx, q, audit.Event{Type: audit.UserBanned, UserID: u.ID}); err != nil {
				return err
			}
		}
		if u.Locked {
			_, secs := s.settings().Lockout()
			return s.audit.In(ctx, q, audit.Event{Type: audit.UserLocked, UserID: u.ID, Data: map[string]any{"reason": "administrator", "lockout_seconds": secs}})
		}
		return nil
	})
	if err != nil {
		return nil, conflictError(err)
	}
	return u, nil
}

// Insert stores a user built by Build inside the caller's transaction,
// turning uniqueness conflicts into API errors.
func (s *Service) Insert(ctx context.Context, q *store.Q, u *gatehouse.User) error {
	if err := q.InsertUser(ctx, u); err != nil {
		return conflictError(err)
	}
	return store.Emit(ctx, s.events, q, gatehouse.EventUserCreated, u)
}

// Build validates p and returns the user to insert (password hashed or
// digest imported), without writing anything.
func (s *Service) Build(ctx context.Context, p CreateParams) (*gatehouse.User, error) {
	now := s.now()
	u := &gatehouse.User{ID: gatehouse.NewID(gatehouse.PrefixUser), ExternalID: p.ExternalID,
		PublicMetadata: orEmpty(p.PublicMetadata), PrivateMetadata: orEmpty(p.PrivateMetadata), UnsafeMetadata: orEmpty(p.UnsafeMetadata),
		DeleteSelfEnabled: deref(p.DeleteSelfEnabled, true), CreateOrgEnabled: deref(p.CreateOrganizationEnabled, true),
		LegalAcceptedAt: p.LegalAcceptedAt, CreatedAt: now, UpdatedAt: now, Banned: p.Banned,
		EmailAddresses: []gatehouse.Identification{}, PhoneNumbers: []gatehouse.Identification{}}
	if p.Locked {
		_, secs := s.settings().Lockout()
		until := s.clock.Now().Add(time.Duration(secs) * time.Second).UnixMilli()
		u.Locked, u.LockoutUntil = true, &until
	}
	var err error
	if u.FirstName, err = cleanName("first_name", p.FirstName); err != nil {
		return nil, err
	}
	if u.LastName, err = cleanName("last_name", p.LastName); err != nil {
		return nil, err
	}
	if p.ExternalID != nil && (len(*p.ExternalID) == 0 || len(*p.ExternalID) > 256) {
		return nil, gatehouse.ParamInvalid("external_id", "external_id must be 1 to 256 characters long.")
	}
	if p.Username != nil {
		name, gerr := NormalizeUsername(*p.Username)
		if gerr != nil {
			return nil, gerr
		}
		u.Username = &name
	}
	for _, f := range []struct {
		name string
		m    map[string]any
	}{{"public_metadata", u.PublicMetadata}, {"private_metadata", u.PrivateMetadata}, {"unsafe_metadata", u.UnsafeMetadata}} {
		if err := checkMetadata(f.name, f.m); err != nil {
			return nil, err
		}
	}
	// An unverified identification has no verification strategy until a
	// code is prepared for it (wire renders it with verification null).
	status, strategy := gatehouse.VerificationUnverified, ""
	if p.Verified {
		status, strategy = gatehouse.VerificationVerified, gatehouse.StrategyAdmin
		if p.VerifiedStrategy != "" {
			strategy = p.VerifiedStrategy
		}
	}
	seen := map[string]bool{}
	for _, raw := range p.EmailAddresses {
		n, ok := NormalizeEmail(raw)
		if !ok {
			return nil, gatehouse.ParamInvalid("email_address", "'"+truncate(raw, 80)+"' is not a valid email address.")
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		u.EmailAddresses = append(u.EmailAddresses, s.newIdentification(u.ID, gatehouse.KindEmail, raw, n, status, strategy, now))
	}
	phoneStrategy := ""
	if p.Verified {
		phoneStrategy = gatehouse.StrategyAdmin
	}
	for _, raw := range p.PhoneNumbers {
		n, ok := NormalizePhone(raw)
		if !ok {
			return nil, gatehouse.ParamInvalid("phone_number", "'"+truncate(raw, 40)+"' is not a valid phone number in E.164 format (e.g. +15555550100).")
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		u.PhoneNumbers = append(u.PhoneNumbers, s.newIdentification(u.ID, gatehouse.KindPhone, raw, n, status, phoneStrategy, now))
	}
	if len(u.EmailAddresses) > 0 {
		u.PrimaryEmailAddressID = &u.EmailAddresses[0].ID
	}
	if len(u.PhoneNumbers) > 0 {
		u.PrimaryPhoneNumberID = &u.PhoneNumbers[0].ID
	}
	if err := s.checkIdentifiersFree(ctx, u); err != nil {
		return nil, err
	}
	if p.OwnDigest != "" {
		u.PasswordDigest = p.OwnDigest
	} else if u.PasswordDigest, err = s.passwordFromParams(ctx, p.Password, p.PasswordDigest, p.PasswordHasher, p.SkipPasswordChecks); err != nil {
		return nil, err
	}
	return u, nil
}

func (s *Service) newIdentification(userID, kind, raw, normalized, status, strategy string, now int64) gatehouse.Identification {
	return gatehouse.Identification{ID: gatehouse.NewID(gatehouse.PrefixIdentification), UserID: userID, Kind: kind,
		Value: trimmed(raw), Normalized: normalized, VerificationStatus: status, VerificationStrategy: strategy,
		CreatedAt: now, UpdatedAt: now}
}

// checkIdentifiersFree gives precise errors before the insert; the unique
// indexes remain the guarantee under races.
func (s *Service) checkIdentifiersFree(ctx context.Context, u *gatehouse.User) error {
	q := s.st.Q()
	for _, list := range [][]gatehouse.Identification{u.EmailAddresses, u.PhoneNumbers} {
		for _, i := range list {
			if err := s.releaseStale(ctx, i.Kind, i.Normalized); err != nil {
				return err
			}
			_, err := q.FindIdentification(ctx, i.Kind, i.Normalized)
			if err == nil {
				if i.Kind == gatehouse.KindPhone {
					return gatehouse.IdentifierExists("phone_number", "phone number")
				}
				return gatehouse.IdentifierExists("email_address", "email address")
			}
			if !errors.Is(err, gatehouse.ErrNotFound) {
				return err
			}
		}
	}
	if u.Username != nil {
		_, err := q.FindUserByUsername(ctx, UsernameKey(*u.Username))
		if err == nil {
			return gatehouse.IdentifierExists("username", "username")
		}
		if !errors.Is(err, gatehouse.ErrNotFound) {
			return err
		}
	}
	return nil
}

// passwordFromParams returns the digest to store for a plaintext password or
// an imported digest (or "" when neither is given).
func (s *Service) passwordFromParams(ctx context.Context, plain, digest, hasher *string, skipChecks bool) (string, error) {
	switch {
	case plain != nil && digest != nil:
		return "", gatehouse.Err(gatehouse.CodeParamValueInvalid).Msg("password and password_digest are mutually exclusive").
			Long("Supply either password or password_digest, not both.").Param("password_digest")
	case plain != nil:
		if err := s.CheckPassword(ctx, *plain, skipChecks); err != nil {
			return "", err
		}
		return s.hasher.Hash(ctx, *plain)
	case digest != nil:
		if hasher == nil || *hasher == "" {
			return "", gatehouse.ParamMissing("password_hasher")
		}
		stored, err := password.ImportDigest(*hasher, *digest)
		switch {
		case errors.Is(err, password.ErrUnsupportedHasher):
			return "", gatehouse.Err(gatehouse.CodePasswordHasherUnsupported).
				Long("password_hasher '" + truncate(*hasher, 40) + "' is not supported.").Param("password_hasher")
		case err != nil:
			return "", gatehouse.Err(gatehouse.CodePasswordDigestInvalid).
				Long("password_digest is not a valid " + truncate(*hasher, 40) + " digest.").Param("password_digest")
		}
		return stored, nil
	case hasher != nil:
		return "", gatehouse.ParamMissing("password_digest")
	}
	return "", nil
}

// CheckPassword applies the instance password policy. skipChecks (BAPI's
// skip_password_checks) skips the common-password check only; length limits
// always apply.
func (s *Service) CheckPassword(ctx context.Context, pw string, skipChecks bool) error {
	minLen, maxLen := s.settings().PasswordBounds()
	switch err := password.ValidatePolicy(pw, minLen, maxLen); {
	case errors.Is(err, password.ErrTooShort):
		return gatehouse.Err(gatehouse.CodePasswordTooShort).Text("Passwords must be " + itoa(minLen) + " characters or more.").
			Param("password")
	case errors.Is(err, password.ErrTooLong):
		return gatehouse.Err(gatehouse.CodePasswordTooLong).Text("Passwords must be less than " + itoa(maxLen+1) + " bytes.").
			Param("password")
	case err != nil:
		return gatehouse.ParamInvalid("password", err.Error())
	}
	if skipChecks {
		return nil
	}
	if password.IsCommon(pw) {
		return errPwned("common")
	}
	if s.pwned != nil {
		hit, err := s.pwned.Breached(ctx, pw)
		switch {
		case err != nil:
			if s.onPwnedError != nil {
				s.onPwnedError(err)
			}
		case hit:
			return errPwned("breach")
		}
	}
	return nil
}

func errPwned(source string) *gatehouse.Error {
	return gatehouse.Err(gatehouse.CodePasswordPwned).Param("password").With("source", source)
}
