package session

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/keys"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Dev browsers (development mode only; docs/design-nextjs.md §2.3, §5): a
// bearer token "dvb_" + 32 random bytes that stands in for the __client
// cookie where a browser cannot keep it. Only its SHA-256 is stored.
const (
	DevBrowserPrefix   = "dvb_"
	DevBrowserIdle     = 7 * 24 * time.Hour  // unused this long: expired
	DevBrowserLifetime = 30 * 24 * time.Hour // absolute lifetime
	devBrowserTouch    = time.Minute         // last_used_at moves at most this often
)

// ErrNoDevBrowser means the dev-browser token is malformed, unknown or
// expired.
var ErrNoDevBrowser = errors.New("no dev browser")

// DevBrowser is an authenticated dev browser and its client (nil while
// unbound).
type DevBrowser struct {
	Row    *store.DevBrowser
	Client *gatehouse.Client
}

func (s *Service) devBrowserDeadline(createdAt, now int64) int64 {
	return min(createdAt+DevBrowserLifetime.Milliseconds(), now+DevBrowserIdle.Milliseconds())
}

// CreateDevBrowser makes a dev browser for origin, bound to clientID when not
// empty, and returns its token (shown only to the caller). Expired dev
// browsers are collected on the way.
func (s *Service) CreateDevBrowser(ctx context.Context, origin, clientID string) (string, *store.DevBrowser, error) {
	tok, err := keys.RandomToken(32)
	if err != nil {
		return "", nil, err
	}
	tok = DevBrowserPrefix + tok
	now := s.now()
	d := &store.DevBrowser{ID: gatehouse.NewID(gatehouse.PrefixDevBrowser), TokenHash: keys.HashToken(tok), Origin: origin,
		CreatedAt: now, LastUsedAt: now, ExpireAt: s.devBrowserDeadline(now, now)}
	if clientID != "" {
		d.ClientID = &clientID
	}
	err = s.st.Tx(ctx, func(q *store.Q) error {
		if err := q.DeleteExpiredDevBrowsers(ctx, now); err != nil {
			return err
		}
		return q.InsertDevBrowser(ctx, d)
	})
	if err != nil {
		return "", nil, err
	}
	return tok, d, nil
}

// DevBrowserByToken authenticates a dev-browser token: ErrNoDevBrowser when
// it is malformed, unknown or expired; database errors as they are (fail
// closed). Use moves the idle deadline, at most once a minute.
func (s *Service) DevBrowserByToken(ctx context.Context, token string) (*DevBrowser, error) {
	if !strings.HasPrefix(token, DevBrowserPrefix) || len(token) > 128 {
		return nil, ErrNoDevBrowser
	}
	row, err := s.st.Q().DevBrowserByTokenHash(ctx, keys.HashToken(token))
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil, ErrNoDevBrowser
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if now >= row.ExpireAt {
		return nil, ErrNoDevBrowser
	}
	if now-row.LastUsedAt >= devBrowserTouch.Milliseconds() {
		// A failed touch only delays the next one.
		exp := s.devBrowserDeadline(row.CreatedAt, now)
		if s.st.Tx(ctx, func(q *store.Q) error { return q.TouchDevBrowser(ctx, row.ID, now, exp) }) == nil {
			row.LastUsedAt, row.ExpireAt = now, exp
		}
	}
	d := &DevBrowser{Row: row}
	if row.ClientID != nil {
		c, err := s.st.Q().GetClient(ctx, *row.ClientID)
		if err != nil && !errors.Is(err, gatehouse.ErrNotFound) {
			return nil, err
		}
		d.Client = c
	}
	return d, nil
}

// BindDevBrowser binds an unbound dev browser to a client inside q; false
// when another request bound it first.
func (s *Service) BindDevBrowser(ctx context.Context, q *store.Q, d *store.DevBrowser, clientID string) (bool, error) {
	ok, err := q.BindDevBrowser(ctx, d.ID, clientID)
	if ok {
		d.ClientID = &clientID
	}
	return ok, err
}

// RotateDevBrowser gives a dev browser a new token; the old one stops
// working. Of concurrent rotations of the same token exactly one succeeds;
// the others get ErrNoDevBrowser.
func (s *Service) RotateDevBrowser(ctx context.Context, d *store.DevBrowser) (string, error) {
	tok, err := keys.RandomToken(32)
	if err != nil {
		return "", err
	}
	tok = DevBrowserPrefix + tok
	now := s.now()
	hash, exp := keys.HashToken(tok), s.devBrowserDeadline(d.CreatedAt, now)
	var ok bool
	err = s.st.Tx(ctx, func(q *store.Q) error {
		var err error
		ok, err = q.RotateDevBrowser(ctx, d.ID, d.TokenHash, hash, now, exp)
		return err
	})
	if err != nil {
		return "", err
	}
	if !ok {
		return "", ErrNoDevBrowser
	}
	d.TokenHash, d.LastUsedAt, d.ExpireAt = hash, now, exp
	return tok, nil
}

// UnbindDevBrowsers detaches a client's dev browsers (DELETE /v1/client).
func (s *Service) UnbindDevBrowsers(ctx context.Context, clientID string) error {
	return s.st.Tx(ctx, func(q *store.Q) error { return q.UnbindDevBrowsers(ctx, clientID) })
}

// ClearDevBrowsers deletes every dev browser (production mode at startup).
func (s *Service) ClearDevBrowsers(ctx context.Context) (n int64, err error) {
	err = s.st.Tx(ctx, func(q *store.Q) error { n, err = q.DeleteAllDevBrowsers(ctx); return err })
	return n, err
}
