package session

import (
	"context"
	"errors"
	"github.com/gatehouse/gatehouse/internal/audit"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Get returns a session by id.
func (s *Service) Get(ctx context.Context, id string) (*gatehouse.Session, error) {
	sess, err := s.st.Q().GetSession(ctx, id)
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil, notFound()
	}
	return sess, err
}

// List lists sessions for the Backend API.
func (s *Service) List(ctx context.Context, f store.SessionFilter) ([]*gatehouse.Session, error) {
	return s.st.Q().ListSessions(ctx, f)
}

// SetStatus moves a session out of active (end, remove, revoke). When
// clientID is set the session must belong to that client.
func (s *Service) SetStatus(ctx context.Context, id, clientID, status string) (*gatehouse.Session, error) {
	event, ok := gatehouse.SessionEvent(status)
	if !ok {
		return nil, errors.New("session: no session event for status " + status)
	}
	var out *gatehouse.Session
	err := s.st.Tx(ctx, func(q *store.Q) error {
		sess, err := q.GetSession(ctx, id)
		if err != nil {
			return err
		}
		if clientID != "" && sess.ClientID != clientID {
			return gatehouse.ErrNotFound
		}
		if sess.Status == gatehouse.SessionActive {
			sess.Status, sess.UpdatedAt = status, s.now()
			if err := q.UpdateSession(ctx, sess); err != nil {
				return err
			}
			if err := store.Emit(ctx, s.events, q, event, sess); err != nil {
				return err
			}
			if err := s.auditSession(ctx, q, sess); err != nil {
				return err
			}
		}
		out = sess
		return nil
	})
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil, notFound()
	}
	return out, err
}

// EndClientSessions ends every active session of a client (sign out all).
func (s *Service) EndClientSessions(ctx context.Context, c *gatehouse.Client) error {
	return s.st.Tx(ctx, func(q *store.Q) error {
		list, err := q.ListSessions(ctx, store.SessionFilter{ClientID: c.ID, Status: gatehouse.SessionActive})
		if err != nil {
			return err
		}
		now := s.now()
		for _, x := range list {
			x.Status, x.UpdatedAt = gatehouse.SessionEnded, now
			if err := q.UpdateSession(ctx, x); err != nil {
				return err
			}
			if err := store.Emit(ctx, s.events, q, gatehouse.EventSessionEnded, x); err != nil {
				return err
			}
			if err := s.auditSession(ctx, q, x); err != nil {
				return err
			}
		}
		c.LastActiveSessionID, c.UpdatedAt = nil, now
		return q.UpdateClient(ctx, c)
	})
}

// RevokeUserSessions revokes every active session of a user except one (""
// for all): used on ban, password change and reset.
func (s *Service) RevokeUserSessions(ctx context.Context, q *store.Q, userID, except string) ([]string, error) {
	ids, err := q.EndUserSessions(ctx, userID, except, gatehouse.SessionRevoked, s.now())
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		sess, err := q.GetSession(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := store.Emit(ctx, s.events, q, gatehouse.EventSessionRevoked, sess); err != nil {
			return nil, err
		}
		if err := s.auditSession(ctx, q, sess); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// Touch records activity on a client's session and makes it the active one.
func (s *Service) Touch(ctx context.Context, c *gatehouse.Client, id string) (*gatehouse.Session, error) {
	var out *gatehouse.Session
	err := s.st.Tx(ctx, func(q *store.Q) error {
		sess, err := q.GetSession(ctx, id)
		if err != nil {
			return err
		}
		if sess.ClientID != c.ID {
			return gatehouse.ErrNotFound
		}
		now := s.now()
		if st := sess.EffectiveStatus(now); st != gatehouse.SessionActive {
			return errSessionInactive(st)
		}
		sess.LastActiveAt, sess.UpdatedAt = now, now
		if t := s.inst.Settings().InactivityTimeout; t > 0 {
			a := s.clock.Now().Add(time.Duration(t) * time.Second).UnixMilli()
			sess.AbandonAt = &a
		}
		if err := q.UpdateSession(ctx, sess); err != nil {
			return err
		}
		c.LastActiveSessionID, c.UpdatedAt = &sess.ID, now
		out = sess
		return q.UpdateClient(ctx, c)
	})
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil, notFound()
	}
	return out, err
}

// Handshake nonces -------------------------------------------------------

// HandshakeNonceLifetime is how long a handshake nonce can be redeemed.
// It is redeemable more than once: an app's router may replay the URL that
// carried it (Next.js keeps it after clerk-js strips it from the address
// bar, and @clerk/backend then signs the visitor out if the nonce is gone).
// Redeeming needs the secret key, and the session token in the directives
// lives 60 s like any other, so a replay grants nothing a token does not;
// after that the SDK finds the token expired and reads the request's own
// cookies instead.
const HandshakeNonceLifetime = time.Hour

// PutHandshake stores directives under the hash of a nonce.
func (s *Service) PutHandshake(ctx context.Context, hash []byte, directives string) error {
	now := s.clock.Now()
	return s.st.Tx(ctx, func(q *store.Q) error {
		return q.PutNonce(ctx, hash, directives, now.Add(HandshakeNonceLifetime).UnixMilli(), now.UnixMilli())
	})
}

// ReadHandshake returns the directives of a live nonce hash.
func (s *Service) ReadHandshake(ctx context.Context, hash []byte) (string, error) {
	return s.st.Q().ReadNonce(ctx, hash, s.now())
}

// auditSession records a session leaving the active state: revoked (by an
// administrator, a ban or a password change) or ended/removed (sign-out).
func (s *Service) auditSession(ctx context.Context, q *store.Q, sess *gatehouse.Session) error {
	typ := audit.SessionEnded
	if sess.Status == gatehouse.SessionRevoked {
		typ = audit.SessionRevoked
	}
	return s.audit.In(ctx, q, audit.Event{Type: typ, UserID: sess.UserID, SessionID: sess.ID, Data: map[string]any{"status": sess.Status}})
}
