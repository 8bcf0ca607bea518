// Package users holds the business rules for users: identifier
// normalisation and uniqueness, password policy and hashing, metadata merge,
// ban and lock. Handlers translate to and from it; the store trusts it.
package users

import (
	"context"
	"errors"
	"github.com/gatehouse/gatehouse/internal/audit"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Service implements user operations.
type Service struct {
	events   store.Emitter
	st       *store.Store
	hasher   *password.Hasher
	clock    gatehouse.Clock
	settings func() gatehouse.Settings

	pwned        *password.Pwned
	onPwnedError func(error)
	audit        *audit.Log
}

// Options configure New.
type Options struct {
	Store  *store.Store
	Hasher *password.Hasher
	Clock  gatehouse.Clock
	// Settings returns the current instance settings.
	Settings func() gatehouse.Settings
	// Events records user events in the webhook outbox (nil: none).
	Events store.Emitter
	// Pwned, when set, checks new passwords against a breach corpus
	// (k-anonymity range API); nil: only the bundled common-password list.
	Pwned *password.Pwned
	// OnPwnedError is told when the breach check could not answer (the
	// password is then accepted: an outage of a third-party service must not
	// stop sign-ups; the bundled list still applies).
	OnPwnedError func(error)
	// Audit records bans, locks and password changes (nil: none).
	Audit *audit.Log
}

// New returns a Service.
func New(o Options) *Service {
	return &Service{st: o.Store, hasher: o.Hasher, clock: o.Clock, settings: o.Settings, events: o.Events,
		pwned: o.Pwned, onPwnedError: o.OnPwnedError, audit: o.Audit}
}

func (s *Service) now() int64 { return s.clock.Now().UnixMilli() }

// Get returns one user.
func (s *Service) Get(ctx context.Context, id string) (*gatehouse.User, error) {
	u, err := s.st.Q().GetUser(ctx, id)
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil, gatehouse.NotFound("User")
	}
	return u, err
}

// List returns users matching f; email and phone filters are normalised here.
func (s *Service) List(ctx context.Context, f store.UserFilter) ([]*gatehouse.User, error) {
	f, ok := normalizeFilter(f)
	if !ok {
		return []*gatehouse.User{}, nil
	}
	return s.st.Q().ListUsers(ctx, f)
}

// Count counts users matching f.
func (s *Service) Count(ctx context.Context, f store.UserFilter) (int, error) {
	f, ok := normalizeFilter(f)
	if !ok {
		return 0, nil
	}
	return s.st.Q().CountUsers(ctx, f)
}

// normalizeFilter normalises the email and phone filter values. A value
// that is not an address or number can match no user, so it is dropped; a
// filter field all of whose values were dropped matches nothing at all, and
// normalizeFilter reports false: the caller answers with an empty result
// without querying.
func normalizeFilter(f store.UserFilter) (store.UserFilter, bool) {
	keep := func(vals []string, norm func(string) (string, bool)) ([]string, bool) {
		out := make([]string, 0, len(vals))
		for _, v := range vals {
			if n, ok := norm(v); ok {
				out = append(out, n)
			}
		}
		return out, len(vals) == 0 || len(out) > 0
	}
	var okE, okP bool
	f.EmailAddresses, okE = keep(f.EmailAddresses, NormalizeEmail)
	f.PhoneNumbers, okP = keep(f.PhoneNumbers, NormalizePhone)
	return f, okE && okP
}

// Delete removes a user and everything hanging off it.
func (s *Service) Delete(ctx context.Context, id string) error {
	err := s.st.Tx(ctx, func(q *store.Q) error {
		u, err := q.GetUserForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if err := q.DeleteUser(ctx, id); err != nil {
			return err
		}
		return store.Emit(ctx, s.events, q, gatehouse.EventUserDeleted, u)
	})
	if errors.Is(err, gatehouse.ErrNotFound) {
		return gatehouse.NotFound("User")
	}
	return err
}

// mutate loads a user for update inside a transaction, lets fn change it, and
// stores it with a fresh updated_at.
func (s *Service) mutate(ctx context.Context, id string, fn func(u *gatehouse.User) error) (*gatehouse.User, error) {
	var out *gatehouse.User
	err := s.st.Tx(ctx, func(q *store.Q) error {
		u, err := q.GetUserForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if err := fn(u); err != nil {
			return err
		}
		u.UpdatedAt = max(s.now(), u.UpdatedAt)
		if err := q.UpdateUser(ctx, u); err != nil {
			return err
		}
		out = u
		return store.Emit(ctx, s.events, q, gatehouse.EventUserUpdated, u)
	})
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil, gatehouse.NotFound("User")
	}
	if err != nil {
		return nil, conflictError(err)
	}
	return out, nil
}

// SetBanned bans or unbans a user. Banning revokes every active session at
// once (tokens already issued expire within their 60-second lifetime, and
// none is minted for a banned user).
func (s *Service) SetBanned(ctx context.Context, id string, banned bool) (*gatehouse.User, error) {
	var revoke bool
	u, err := s.mutate(ctx, id, func(u *gatehouse.User) error { u.Banned, revoke = banned, banned; return nil })
	if err == nil {
		typ := audit.UserUnbanned
		if banned {
			typ = audit.UserBanned
		}
		s.audit.Record(ctx, audit.Event{Type: typ, UserID: id})
	}
	if err != nil || !revoke {
		return u, err
	}
	return u, s.st.Tx(ctx, func(q *store.Q) error {
		ids, err := q.EndUserSessions(ctx, id, "", gatehouse.SessionRevoked, s.now())
		if err != nil {
			return err
		}
		for _, sid := range ids {
			sess, err := q.GetSession(ctx, sid)
			if err != nil {
				return err
			}
			if err := store.Emit(ctx, s.events, q, gatehouse.EventSessionRevoked, sess); err != nil {
				return err
			}
			if err := s.audit.In(ctx, q, audit.Event{Type: audit.SessionRevoked, UserID: id, SessionID: sid, Data: map[string]any{"status": sess.Status, "reason": "ban"}}); err != nil {
				return err
			}
		}
		return nil
	})
}

// Lock locks a user for the instance's lockout duration; Unlock clears the
// lock and the failed-attempt counter.
func (s *Service) Lock(ctx context.Context, id string) (*gatehouse.User, error) {
	_, secs := s.settings().Lockout()
	u, err := s.mutate(ctx, id, func(u *gatehouse.User) error {
		until := s.clock.Now().Add(time.Duration(secs) * time.Second).UnixMilli()
		u.Locked, u.LockoutUntil = true, &until
		return nil
	})
	if err == nil {
		s.audit.Record(ctx, audit.Event{Type: audit.UserLocked, UserID: id, Data: map[string]any{"reason": "administrator", "lockout_seconds": secs}})
	}
	return u, err
}

// Unlock clears a lock.
func (s *Service) Unlock(ctx context.Context, id string) (*gatehouse.User, error) {
	u, err := s.mutate(ctx, id, func(u *gatehouse.User) error {
		u.Locked, u.LockoutUntil, u.FailedAttempts = false, nil, 0
		return nil
	})
	if err == nil {
		s.audit.Record(ctx, audit.Event{Type: audit.UserUnlocked, UserID: id})
	}
	return u, err
}

// IsLocked reports whether u is locked now and for how many seconds more
// (nil when the lock has no end).
func IsLocked(u *gatehouse.User, now time.Time) (bool, *int64) {
	if !u.Locked {
		return false, nil
	}
	if u.LockoutUntil == nil {
		return true, nil
	}
	left := (*u.LockoutUntil - now.UnixMilli() + 999) / 1000
	if left <= 0 {
		return false, nil
	}
	return true, &left
}

// MergeMetadata deep-merges each non-nil patch into the matching field.
func (s *Service) MergeMetadata(ctx context.Context, id string, pub, priv, unsafe map[string]any) (*gatehouse.User, error) {
	return s.mutate(ctx, id, func(u *gatehouse.User) error {
		for _, f := range []struct {
			name  string
			patch map[string]any
			dst   *map[string]any
		}{{"public_metadata", pub, &u.PublicMetadata}, {"private_metadata", priv, &u.PrivateMetadata}, {"unsafe_metadata", unsafe, &u.UnsafeMetadata}} {
			if f.patch == nil {
				continue
			}
			merged := DeepMerge(*f.dst, f.patch)
			if err := checkMetadata(f.name, merged); err != nil {
				return err
			}
			*f.dst = merged
		}
		return nil
	})
}

// ReplaceMetadata replaces each supplied (Set) field; null or {} clears it.
func (s *Service) ReplaceMetadata(ctx context.Context, id string, pub, priv, unsafe gatehouse.Opt[map[string]any]) (*gatehouse.User, error) {
	return s.mutate(ctx, id, func(u *gatehouse.User) error {
		return applyMetadata(u, pub, priv, unsafe)
	})
}

func applyMetadata(u *gatehouse.User, pub, priv, unsafe gatehouse.Opt[map[string]any]) error {
	for _, f := range []struct {
		name string
		v    gatehouse.Opt[map[string]any]
		dst  *map[string]any
	}{{"public_metadata", pub, &u.PublicMetadata}, {"private_metadata", priv, &u.PrivateMetadata}, {"unsafe_metadata", unsafe, &u.UnsafeMetadata}} {
		if !f.v.Set {
			continue
		}
		m := f.v.Value
		if f.v.Null || m == nil {
			m = map[string]any{}
		}
		if err := checkMetadata(f.name, m); err != nil {
			return err
		}
		*f.dst = m
	}
	return nil
}

// conflictError turns a store uniqueness conflict into the API error.
func conflictError(err error) error {
	var c *gatehouse.ErrConflict
	if !errors.As(err, &c) {
		return err
	}
	switch c.Field {
	case "username":
		return gatehouse.IdentifierExists("username", "username")
	case "external_id":
		return gatehouse.Err(gatehouse.CodeExternalIDExists).Param("external_id")
	default:
		return gatehouse.IdentifierExists("email_address", "email address")
	}
}

// Hasher returns the password hasher (the flow engine verifies with it).
func (s *Service) Hasher() *password.Hasher { return s.hasher }
