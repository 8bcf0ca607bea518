package users

import (
	"context"
	"errors"
	"github.com/gatehouse/gatehouse/internal/audit"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
)

// UpdateParams are the inputs of Update (BAPI PATCH /users/{id}). Unset
// fields are left alone; Null clears where clearing makes sense.
type UpdateParams struct {
	ExternalID                gatehouse.Opt[string]
	FirstName, LastName       gatehouse.Opt[string]
	Username                  gatehouse.Opt[string]
	Password                  gatehouse.Opt[string]
	PasswordDigest            gatehouse.Opt[string]
	PasswordHasher            gatehouse.Opt[string]
	SkipPasswordChecks        bool
	PrimaryEmailAddressID     gatehouse.Opt[string]
	PrimaryPhoneNumberID      gatehouse.Opt[string]
	PublicMetadata            gatehouse.Opt[map[string]any]
	PrivateMetadata           gatehouse.Opt[map[string]any]
	UnsafeMetadata            gatehouse.Opt[map[string]any]
	DeleteSelfEnabled         gatehouse.Opt[bool]
	CreateOrganizationEnabled gatehouse.Opt[bool]
	LegalAcceptedAt           gatehouse.Opt[int64]
}

// Update applies p to the user in one transaction. Password hashing happens
// before the transaction so the write lock is never held across it.
func (s *Service) Update(ctx context.Context, id string, p UpdateParams) (*gatehouse.User, error) {
	var digest string
	var setPassword bool
	if p.Password.Set || p.PasswordDigest.Set {
		var err error
		digest, err = s.passwordFromParams(ctx, p.Password.Ptr(), p.PasswordDigest.Ptr(), p.PasswordHasher.Ptr(), p.SkipPasswordChecks)
		if err != nil {
			return nil, err
		}
		setPassword = digest != ""
	}
	var username *string
	if p.Username.Set && !p.Username.Null {
		name, gerr := NormalizeUsername(p.Username.Value)
		if gerr != nil {
			return nil, gerr
		}
		username = &name
	}
	first, err := cleanName("first_name", p.FirstName.Ptr())
	if err != nil {
		return nil, err
	}
	last, err := cleanName("last_name", p.LastName.Ptr())
	if err != nil {
		return nil, err
	}
	if p.ExternalID.Set && !p.ExternalID.Null && (p.ExternalID.Value == "" || len(p.ExternalID.Value) > 256) {
		return nil, gatehouse.ParamInvalid("external_id", "external_id must be 1 to 256 characters long.")
	}
	u, err := s.mutate(ctx, id, func(u *gatehouse.User) error {
		if p.ExternalID.Set {
			u.ExternalID = p.ExternalID.Ptr()
		}
		if p.FirstName.Set {
			u.FirstName = first
		}
		if p.LastName.Set {
			u.LastName = last
		}
		if p.Username.Set {
			if username != nil && (u.Username == nil || UsernameKey(*u.Username) != UsernameKey(*username)) {
				if other, err := s.st.Q().FindUserByUsername(ctx, UsernameKey(*username)); err == nil && other != u.ID {
					return gatehouse.IdentifierExists("username", "username")
				} else if err != nil && !errors.Is(err, gatehouse.ErrNotFound) {
					return err
				}
			}
			u.Username = username
		}
		if setPassword {
			u.PasswordDigest = digest
		}
		if err := setPrimary(u, p.PrimaryEmailAddressID, gatehouse.KindEmail); err != nil {
			return err
		}
		if err := setPrimary(u, p.PrimaryPhoneNumberID, gatehouse.KindPhone); err != nil {
			return err
		}
		if err := applyMetadata(u, p.PublicMetadata, p.PrivateMetadata, p.UnsafeMetadata); err != nil {
			return err
		}
		if p.DeleteSelfEnabled.Set && !p.DeleteSelfEnabled.Null {
			u.DeleteSelfEnabled = p.DeleteSelfEnabled.Value
		}
		if p.CreateOrganizationEnabled.Set && !p.CreateOrganizationEnabled.Null {
			u.CreateOrgEnabled = p.CreateOrganizationEnabled.Value
		}
		if p.LegalAcceptedAt.Set {
			u.LegalAcceptedAt = p.LegalAcceptedAt.Ptr()
		}
		return nil
	})
	if err == nil && setPassword {
		s.audit.Record(ctx, audit.Event{Type: audit.PasswordChanged, UserID: id})
	}
	return u, err
}

// setPrimary points the primary email/phone at one of the user's own
// identifications; pointing it elsewhere is refused.
func setPrimary(u *gatehouse.User, v gatehouse.Opt[string], kind string) error {
	if !v.Set || v.Null {
		return nil
	}
	list, dst, param := u.EmailAddresses, &u.PrimaryEmailAddressID, "primary_email_address_id"
	if kind == gatehouse.KindPhone {
		list, dst, param = u.PhoneNumbers, &u.PrimaryPhoneNumberID, "primary_phone_number_id"
	}
	for _, i := range list {
		if i.ID == v.Value {
			if i.VerificationStatus != gatehouse.VerificationVerified {
				return gatehouse.ParamInvalid(param, "Only a verified address can be primary; verify it first.")
			}
			id := i.ID
			*dst = &id
			return nil
		}
	}
	return gatehouse.ParamInvalid(param, param+" must be the id of one of the user's own identifications.")
}

// VerifyPassword checks pw against the user's password. A correct password
// hashed with an old algorithm or parameters is transparently rehashed.
// It returns false (and no error) for a wrong password.
func (s *Service) VerifyPassword(ctx context.Context, id, pw string) (bool, error) {
	u, err := s.Get(ctx, id)
	if err != nil {
		return false, err
	}
	if !u.PasswordEnabled() {
		return false, gatehouse.Err(gatehouse.CodeNoPassword)
	}
	ok, rehash, err := s.hasher.Verify(ctx, pw, u.PasswordDigest)
	if err != nil {
		return false, err
	}
	if ok && rehash {
		s.rehash(ctx, u.ID, u.PasswordDigest, pw)
	}
	return ok, nil
}

// rehash replaces an old digest with argon2id at the current parameters, only
// if the digest did not change meanwhile. Failure is logged by the caller's
// request log and otherwise ignored: the old digest still works.
func (s *Service) rehash(ctx context.Context, id, old, pw string) {
	fresh, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return
	}
	_ = s.st.Tx(ctx, func(q *store.Q) error {
		u, err := q.GetUserForUpdate(ctx, id)
		if err != nil || u.PasswordDigest != old {
			return err
		}
		u.PasswordDigest = fresh
		return q.UpdateUser(ctx, u)
	})
}
