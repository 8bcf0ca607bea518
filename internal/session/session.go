// Package session manages clients (one per browser or device, identified by
// the __client cookie), sessions (status, lifetime, inactivity, coalesced
// activity) and session tokens: RS256 JWTs with Clerk's claims v2 plus the
// instance's custom claims.
package session

import (
	"context"
	"errors"
	"github.com/gatehouse/gatehouse/internal/audit"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/instance"
	"github.com/gatehouse/gatehouse/internal/keys"
	"github.com/gatehouse/gatehouse/internal/store"
)

// TokenLifetime is the session token lifetime; ClockSkew is subtracted from
// iat for nbf.
const (
	TokenLifetime = 60 * time.Second
	ClockSkew     = 5 * time.Second
	// ActivityGranularity coalesces last_active_at writes.
	ActivityGranularity = time.Minute
)

// Service implements clients, sessions and tokens.
type Service struct {
	events    store.Emitter
	st        *store.Store
	inst      *instance.Manager
	clock     gatehouse.Clock
	issuer    string
	reuse     *reuseCache // envelope tokens (see EnvelopeToken)
	audit     *audit.Log
	publicURL string
}

// Options configure New.
type Options struct {
	Store    *store.Store
	Instance *instance.Manager
	Clock    gatehouse.Clock
	Issuer   string // the iss of session tokens
	// PublicURL is the instance's public URL: {{user.image_url}} is
	// absolute under it.
	PublicURL string
	// Events records session events in the webhook outbox (nil: none).
	Events store.Emitter
	// Audit records session revocations and sign-outs (nil: none).
	Audit *audit.Log
}

// New returns a Service signing tokens with o.Issuer as iss.
func New(o Options) *Service {
	return &Service{st: o.Store, inst: o.Instance, clock: o.Clock, issuer: o.Issuer, publicURL: o.PublicURL,
		events: o.Events, audit: o.Audit, reuse: newReuseCache(50_000)}
}

// Issuer returns the iss claim value.
func (s *Service) Issuer() string { return s.issuer }

func (s *Service) now() int64 { return s.clock.Now().UnixMilli() }

// ErrNoClient is returned when a request carries no valid client token.
var ErrNoClient = errors.New("no client")

// ClientByToken authenticates a __client token. An unknown or empty token
// gives ErrNoClient; database errors are returned as they are (fail closed).
func (s *Service) ClientByToken(ctx context.Context, token string) (*gatehouse.Client, error) {
	if token == "" || len(token) > 256 {
		return nil, ErrNoClient
	}
	c, err := s.st.Q().ClientByTokenHash(ctx, keys.HashToken(token))
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil, ErrNoClient
	}
	return c, err
}

// ClientEnvelopeByToken resolves a client token (ErrNoClient: no such
// client) together with the client's live sessions and their users, as
// ClientSessionsWithUsers returns them: one statement for a signed-in
// client.
func (s *Service) ClientEnvelopeByToken(ctx context.Context, token string) (*gatehouse.Client, []*gatehouse.Session, map[string]*gatehouse.User, error) {
	if token == "" || len(token) > 256 {
		return nil, nil, nil, ErrNoClient
	}
	c, list, users, err := s.st.Q().ClientEnvelopeByTokenHash(ctx, keys.HashToken(token))
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil, nil, nil, ErrNoClient
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return c, s.live(list), users, nil
}

// BuildClient returns a new client and its token, without writing it (the
// caller inserts it in its own transaction).
func (s *Service) BuildClient() (*gatehouse.Client, string, error) {
	tok, err := keys.RandomToken(32)
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	return &gatehouse.Client{ID: gatehouse.NewID(gatehouse.PrefixClient), TokenHash: keys.HashToken(tok), CreatedAt: now, UpdatedAt: now}, tok, nil
}

// NewClient creates a client in q and returns it with its token.
func (s *Service) NewClient(ctx context.Context, q *store.Q) (*gatehouse.Client, string, error) {
	c, tok, err := s.BuildClient()
	if err != nil {
		return nil, "", err
	}
	if err := q.InsertClient(ctx, c); err != nil {
		return nil, "", err
	}
	return c, tok, nil
}

// NewSession is a session starting now for userID on client clientID, with
// the instance's lifetime and inactivity timeout, and the client's next
// token (a new session always rotates it, defeating session fixation) with
// its hash. It writes nothing: the caller stores the session and the
// client's new token hash in one transaction.
func (s *Service) NewSession(clientID, userID string) (sess *gatehouse.Session, token string, tokenHash []byte, err error) {
	settings := s.inst.Settings()
	now := s.clock.Now()
	life := time.Duration(settings.SessionLifetimeSecs) * time.Second
	if life <= 0 {
		life = gatehouse.DefaultSessionLifetime * time.Second
	}
	ms := now.UnixMilli()
	sess = &gatehouse.Session{ID: gatehouse.NewID(gatehouse.PrefixSession), ClientID: clientID, UserID: userID,
		Status: gatehouse.SessionActive, LastActiveAt: ms, ExpireAt: now.Add(life).UnixMilli(), Factor1At: &ms,
		CreatedAt: ms, UpdatedAt: ms}
	if settings.InactivityTimeout > 0 {
		a := now.Add(time.Duration(settings.InactivityTimeout) * time.Second).UnixMilli()
		sess.AbandonAt = &a
	}
	if token, err = keys.RandomToken(32); err != nil {
		return nil, "", nil, err
	}
	return sess, token, keys.HashToken(token), nil
}

// CreateSession starts an active session for userID on client c inside q,
// rotates the client token (defeating session fixation) and makes the new
// session the client's active one. In single-session mode other active
// sessions on the client are ended. It returns the session and the new token.
func (s *Service) CreateSession(ctx context.Context, q *store.Q, c *gatehouse.Client, userID string) (*gatehouse.Session, string, error) {
	sess, tok, hash, err := s.NewSession(c.ID, userID)
	if err != nil {
		return nil, "", err
	}
	ms := sess.CreatedAt
	if !s.inst.Settings().MultiSession {
		if err := q.ReplaceClientSessions(ctx, c.ID, ms); err != nil {
			return nil, "", err
		}
	}
	if err := q.InsertSession(ctx, sess); err != nil {
		return nil, "", err
	}
	if err := store.Emit(ctx, s.events, q, gatehouse.EventSessionCreated, sess); err != nil {
		return nil, "", err
	}
	c.TokenHash, c.LastActiveSessionID, c.UpdatedAt = hash, &sess.ID, ms
	if err := q.UpdateClient(ctx, c); err != nil {
		return nil, "", err
	}
	if err := q.MarkSignIn(ctx, userID, ms); err != nil {
		return nil, "", err
	}
	return sess, tok, nil
}

// MultiSession reports whether the instance allows several sessions per client.
func (s *Service) MultiSession() bool { return s.inst.Settings().MultiSession }

// ClientSessions returns the client's sessions that are still live.
func (s *Service) ClientSessions(ctx context.Context, clientID string) ([]*gatehouse.Session, error) {
	list, err := s.st.Q().ListSessions(ctx, store.SessionFilter{ClientID: clientID, Status: gatehouse.SessionActive})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := list[:0]
	for _, x := range list {
		if x.EffectiveStatus(now) == gatehouse.SessionActive {
			out = append(out, x)
		}
	}
	return out, nil
}

// ClientSessionsWithUsers returns the client's live sessions with their
// users (with identifications) by id, in two statements.
func (s *Service) ClientSessionsWithUsers(ctx context.Context, clientID string) ([]*gatehouse.Session, map[string]*gatehouse.User, error) {
	list, users, err := s.st.Q().ClientSessionsWithUsers(ctx, clientID)
	if err != nil {
		return nil, nil, err
	}
	return s.live(list), users, nil
}

// live keeps the sessions still active at the service's now.
func (s *Service) live(list []*gatehouse.Session) []*gatehouse.Session {
	now := s.now()
	out := list[:0]
	for _, x := range list {
		if x.EffectiveStatus(now) == gatehouse.SessionActive {
			out = append(out, x)
		}
	}
	return out
}

func notFound() error { return gatehouse.NotFound("Session") }

// ErrSessionInactive is the Clerk-shaped error for tokens on a dead session.
func errSessionInactive(status string) error {
	return gatehouse.Err(gatehouse.CodeSessionNotActive).Long("This session is " + status + "; sign in again.")
}
