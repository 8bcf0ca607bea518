package users

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
)

// MaxEmailsPerUser bounds the addresses one account can hold.
const MaxEmailsPerUser = 20

// EmailHold is how long an added, unverified address is reserved for the
// account that added it, counted from when it was added: sending (or
// re-sending) a verification code never extends it. After that anyone may
// claim it (sign-up, another account): an unverified address proves
// nothing, so it must not squat.
const EmailHold = 10 * time.Minute

// EmailHoldCooldown bounds holds per address: once an address has been
// held, it is not held again, for any account, until this long after that
// hold began. Removing and re-adding an address (or passing it between
// accounts) within the cooldown adds it unheld: claimable at once by its
// real owner. The owner of a legitimately re-added address can still
// verify it; only the reservation is missing.
const EmailHoldCooldown = 24 * time.Hour

// purposeEmailHold marks, in the codes table, when an address was last
// held. The rows are never redeemable: created consumed, with no attempts.
const purposeEmailHold = "email_hold"

// AddEmail adds an unverified email address to a user (the frontend's
// "add email"; it signs nothing in until verified).
func (s *Service) AddEmail(ctx context.Context, userID, raw string) (*gatehouse.Identification, error) {
	norm, ok := NormalizeEmail(raw)
	if !ok {
		return nil, gatehouse.ParamInvalid("email_address", "email_address must be a valid email address.")
	}
	if err := s.releaseStale(ctx, gatehouse.KindEmail, norm); err != nil {
		return nil, err
	}
	now := s.now()
	idn := s.newIdentification(userID, gatehouse.KindEmail, raw, norm, gatehouse.VerificationUnverified, "", now) // strategy set once a code is sent (MarkEmailCodeSent)
	err := s.st.Tx(ctx, func(q *store.Q) error {
		u, err := q.GetUserForUpdate(ctx, userID)
		if err != nil {
			return err
		}
		if len(u.EmailAddresses) >= MaxEmailsPerUser {
			return gatehouse.Err(gatehouse.CodeParamValueInvalid).Msg("too many email addresses").
				Longf("An account can hold at most %d email addresses.", MaxEmailsPerUser)
		}
		hold := now // unheld: stale (claimable) at once
		if granted, err := s.grantHold(ctx, q, userID, norm, now); err != nil {
			return err
		} else if granted {
			hold = now + EmailHold.Milliseconds()
		}
		idn.VerificationExpireAt = &hold
		if err := q.InsertIdentification(ctx, &idn); err != nil {
			return err
		}
		u.EmailAddresses = append(u.EmailAddresses, idn)
		u.UpdatedAt = max(now, u.UpdatedAt)
		if err := q.UpdateUser(ctx, u); err != nil {
			return err
		}
		return store.Emit(ctx, s.events, q, gatehouse.EventUserUpdated, u)
	})
	var conflict *gatehouse.ErrConflict
	if errors.As(err, &conflict) {
		return nil, gatehouse.IdentifierExists("email_address", "email address")
	}
	if err != nil {
		return nil, err
	}
	return &idn, nil
}

// grantHold decides, inside the adding transaction, whether a newly added
// address is held: only when no hold on it began within EmailHoldCooldown.
// A granted hold is recorded (rolled back with the insert if that fails).
func (s *Service) grantHold(ctx context.Context, q *store.Q, userID, norm string, now int64) (bool, error) {
	owner := purposeEmailHold + ":" + norm
	last, err := q.LatestCode(ctx, owner, purposeEmailHold)
	switch {
	case err == nil && last.CreatedAt > now-EmailHoldCooldown.Milliseconds():
		return false, nil
	case err != nil && !errors.Is(err, gatehouse.ErrNotFound):
		return false, err
	}
	return true, q.InsertCode(ctx, &store.CodeRow{ID: gatehouse.NewID("code_"), OwnerID: owner, Purpose: purposeEmailHold,
		Target: userID, CodeHash: []byte(purposeEmailHold), ExpireAt: now + EmailHoldCooldown.Milliseconds(), ConsumedAt: &now, CreatedAt: now})
}

// MarkEmailCodeSent records that an email code was sent for an unverified
// address: its verification strategy becomes email_code (until then the
// address renders no verification, so a client knows it must prepare one).
// It never touches the address's hold, which runs from when it was added.
func (s *Service) MarkEmailCodeSent(ctx context.Context, userID, id string) error {
	return s.st.Tx(ctx, func(q *store.Q) error {
		u, err := q.GetUser(ctx, userID)
		if err != nil {
			return err
		}
		idn := u.EmailByID(id)
		if idn == nil {
			return gatehouse.NotFound("Email address")
		}
		if idn.VerificationStrategy == gatehouse.StrategyEmailCode {
			return nil
		}
		idn.VerificationStrategy, idn.UpdatedAt = gatehouse.StrategyEmailCode, s.now()
		return q.UpdateIdentification(ctx, idn)
	})
}

// MarkEmailVerified records that the user proved control of the address.
func (s *Service) MarkEmailVerified(ctx context.Context, userID, id string) (*gatehouse.User, error) {
	var out *gatehouse.User
	err := s.st.Tx(ctx, func(q *store.Q) error {
		u, err := q.GetUserForUpdate(ctx, userID)
		if err != nil {
			return err
		}
		idn := u.EmailByID(id)
		if idn == nil {
			return gatehouse.NotFound("Email address")
		}
		now := s.now()
		idn.VerificationStatus, idn.VerificationExpireAt, idn.UpdatedAt = gatehouse.VerificationVerified, nil, now
		if err := q.UpdateIdentification(ctx, idn); err != nil {
			return err
		}
		u.UpdatedAt = max(now, u.UpdatedAt)
		if err := q.UpdateUser(ctx, u); err != nil {
			return err
		}
		out = u
		return store.Emit(ctx, s.events, q, gatehouse.EventUserUpdated, u)
	})
	return out, err
}

// RemoveEmail deletes one of the user's addresses; the primary address
// cannot be removed (choose another primary first).
func (s *Service) RemoveEmail(ctx context.Context, userID, id string) (*gatehouse.User, error) {
	var out *gatehouse.User
	err := s.st.Tx(ctx, func(q *store.Q) error {
		u, err := q.GetUserForUpdate(ctx, userID)
		if err != nil {
			return err
		}
		if u.EmailByID(id) == nil {
			return gatehouse.NotFound("Email address")
		}
		if u.PrimaryEmailAddressID != nil && *u.PrimaryEmailAddressID == id {
			return gatehouse.ParamInvalid("email_address_id", "The primary email address cannot be removed; make another address primary first.")
		}
		if err := q.DeleteIdentification(ctx, id); err != nil {
			return err
		}
		kept := u.EmailAddresses[:0]
		for _, e := range u.EmailAddresses {
			if e.ID != id {
				kept = append(kept, e)
			}
		}
		u.EmailAddresses, u.UpdatedAt = kept, max(s.now(), u.UpdatedAt)
		if err := q.UpdateUser(ctx, u); err != nil {
			return err
		}
		out = u
		return store.Emit(ctx, s.events, q, gatehouse.EventUserUpdated, u)
	})
	return out, err
}

// releaseStale frees an address held unverified past its hold, so that an
// address someone added but never verified does not block its real owner.
func (s *Service) releaseStale(ctx context.Context, kind, norm string) error {
	idn, err := s.st.Q().FindIdentification(ctx, kind, norm)
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !s.stale(idn) {
		return nil
	}
	return s.st.Tx(ctx, func(q *store.Q) error {
		cur, err := q.GetIdentification(ctx, idn.ID)
		if errors.Is(err, gatehouse.ErrNotFound) {
			return nil
		}
		if err != nil || !s.stale(cur) { // re-checked under the transaction: it may have been verified meanwhile
			return err
		}
		return q.DeleteIdentification(ctx, cur.ID)
	})
}

// stale reports whether idn is an unverified address whose hold has ended.
func (s *Service) stale(idn *gatehouse.Identification) bool {
	return idn.VerificationStatus != gatehouse.VerificationVerified && idn.VerificationExpireAt != nil && *idn.VerificationExpireAt <= s.now()
}

// ReleaseStaleEmail is releaseStale for the sign-up flow.
func (s *Service) ReleaseStaleEmail(ctx context.Context, norm string) error {
	return s.releaseStale(ctx, gatehouse.KindEmail, norm)
}
