// Package instance bootstraps and holds the deployment's instance: its id,
// settings, signing keys (sealed at rest) and Backend API secret keys. One
// Manager per process caches what the hot paths need and reloads it
// periodically, so a key rotated on one node reaches the others.
package instance

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"github.com/gatehouse/gatehouse/internal/audit"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/keys"
	"github.com/gatehouse/gatehouse/internal/store"
)

// RetiredKeyGrace is how long a retired signing key stays in the JWKS, so
// tokens it signed (JWT templates can live long) keep verifying.
const RetiredKeyGrace = 24 * time.Hour

// Manager holds the instance state a node needs.
type Manager struct {
	audit  *audit.Log // key rotations and secret-key changes (nil: none)
	st     *store.Store
	sealer *keys.Sealer
	clock  gatehouse.Clock

	id       string
	pubKey   string
	suffix   string // CookieSuffix(pubKey)
	dev      bool   // development mode: pk_test_/sk_test_ keys
	state    atomic.Pointer[keyState]
	settings atomic.Pointer[gatehouse.Settings]

	mu      sync.Mutex
	skCache map[string]time.Time // hex(sha256(secret key)) -> cache expiry
	skTTL   time.Duration

	createdAt int64 // Unix ms
}

type keyState struct {
	jwks   []byte // the JWKS document, rendered once per key change
	active *keys.Signer
	kid    string
	public []keys.PublicJWK
	byKID  map[string]*rsa.PublicKey
	pem    string
}

// Bootstrap is what Open did on first start.
type Bootstrap struct {
	Created   bool
	SecretKey string // the first secret key in plaintext, only when Created
}

// Options configure Open.
type Options struct {
	Store  *store.Store
	Sealer *keys.Sealer // seals the signing keys at rest
	Clock  gatehouse.Clock
	// PublicHost is the host[:port] encoded in the publishable key.
	PublicHost string
	// Development selects pk_test_/sk_test_ keys (production:
	// pk_live_/sk_live_).
	Development bool
	Audit       *audit.Log // nil: no audit events
}

// Open loads the instance, creating it on first start: instance id, an
// RSA-2048 signing key sealed with o.Sealer, and a first secret key whose
// plaintext is returned once in Bootstrap.
func Open(ctx context.Context, o Options) (*Manager, Bootstrap, error) {
	st, publicHost, development := o.Store, o.PublicHost, o.Development
	m := &Manager{st: st, sealer: o.Sealer, clock: o.Clock, audit: o.Audit, skCache: map[string]time.Time{}, skTTL: 5 * time.Second, dev: development}
	pk, err := keys.PublishableKey(publicHost, development)
	if err != nil {
		return nil, Bootstrap{}, err
	}
	m.pubKey, m.suffix = pk, keys.CookieSuffix(pk)
	var boot Bootstrap
	in, err := st.Q().GetInstance(ctx)
	if errors.Is(err, gatehouse.ErrNotFound) {
		boot, err = m.create(ctx)
		if err != nil {
			return nil, Bootstrap{}, err
		}
		in, err = st.Q().GetInstance(ctx)
	}
	if err != nil {
		return nil, Bootstrap{}, fmt.Errorf("load instance: %w", err)
	}
	m.id, m.createdAt = in.ID, in.CreatedAt
	settings := in.Settings
	m.settings.Store(&settings)
	if err := m.reloadKeys(ctx); err != nil {
		return nil, Bootstrap{}, err
	}
	return m, boot, nil
}

func (m *Manager) create(ctx context.Context) (Bootstrap, error) {
	priv, err := keys.GenerateRSA()
	if err != nil {
		return Bootstrap{}, err
	}
	plain, hash, err := keys.NewSecretKey(m.dev)
	if err != nil {
		return Bootstrap{}, err
	}
	var boot Bootstrap
	err = m.st.Tx(ctx, func(q *store.Q) error {
		if err := lockBootstrap(ctx, q); err != nil {
			return err
		}
		if _, err := q.GetInstance(ctx); err == nil {
			return nil // another node won the race
		} else if !errors.Is(err, gatehouse.ErrNotFound) {
			return err
		}
		now := m.clock.Now().UnixMilli()
		in := &gatehouse.Instance{ID: gatehouse.NewID(gatehouse.PrefixInstance), CreatedAt: now}
		if err := q.InsertInstance(ctx, in); err != nil {
			return err
		}
		if err := m.insertSigningKey(ctx, q, priv, now); err != nil {
			return err
		}
		if err := q.InsertSecretKey(ctx, store.SecretKeyRow{ID: gatehouse.NewID(gatehouse.PrefixSecretKey), Hash: hash,
			Hint: keys.SecretKeyHint(plain), Name: "default", CreatedAt: now}); err != nil {
			return err
		}
		boot = Bootstrap{Created: true, SecretKey: plain}
		return nil
	})
	return boot, err
}

func lockBootstrap(ctx context.Context, q *store.Q) error {
	return q.AdvisoryLock(ctx, 7318000002)
}

func (m *Manager) insertSigningKey(ctx context.Context, q *store.Q, priv *rsa.PrivateKey, now int64) error {
	kid := gatehouse.NewID(gatehouse.PrefixInstance)
	sealed, err := keys.MarshalPrivate(m.sealer, kid, priv)
	if err != nil {
		return err
	}
	return q.InsertSigningKey(ctx, store.SigningKeyRow{KID: kid, Alg: "RS256", PrivateSealed: sealed, Status: "active", CreatedAt: now})
}

// ID returns the instance id (ins_...).
func (m *Manager) ID() string { return m.id }

// CreatedAt returns when the instance was created (Unix ms).
func (m *Manager) CreatedAt() int64 { return m.createdAt }

// PublishableKey returns the publishable key for the configured public host:
// pk_test_ in development mode, pk_live_ in production.
func (m *Manager) PublishableKey() string { return m.pubKey }

// CookieSuffix is the suffix of the SDKs' suffixed cookie names
// ("__session_<suffix>") for PublishableKey.
func (m *Manager) CookieSuffix() string { return m.suffix }

// Development reports whether the instance runs in development mode.
func (m *Manager) Development() bool { return m.dev }

// Settings returns the current instance settings.
func (m *Manager) Settings() gatehouse.Settings { return *m.settings.Load() }

// Signer returns the active signing key's signer and kid.
func (m *Manager) Signer() (*keys.Signer, string) { s := m.state.Load(); return s.active, s.kid }

// PublicKeys returns every published key, active first.
func (m *Manager) PublicKeys() []keys.PublicJWK { return m.state.Load().public }

// PublicKey returns the published key with the given kid.
func (m *Manager) PublicKey(kid string) (*rsa.PublicKey, bool) {
	k, ok := m.state.Load().byKID[kid]
	return k, ok
}

// KeyMap returns every published key by kid.
func (m *Manager) KeyMap() map[string]*rsa.PublicKey { return m.state.Load().byKID }

// ActivePublicPEM returns the PEM of the active key (for networkless
// verification with jwtKey / CLERK_JWT_KEY).
func (m *Manager) ActivePublicPEM() string { return m.state.Load().pem }

// Reload re-reads settings and keys from the database.
func (m *Manager) Reload(ctx context.Context) error {
	in, err := m.st.Q().GetInstance(ctx)
	if err != nil {
		return err
	}
	settings := in.Settings
	m.settings.Store(&settings)
	return m.reloadKeys(ctx)
}

// Run reloads every interval until ctx ends (multi-node propagation).
func (m *Manager) Run(ctx context.Context, interval time.Duration, onErr func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := m.Reload(ctx); err != nil && ctx.Err() == nil && onErr != nil {
				onErr(err)
			}
		}
	}
}

func (m *Manager) reloadKeys(ctx context.Context) error {
	since := m.clock.Now().Add(-RetiredKeyGrace).UnixMilli()
	rows, err := m.st.Q().ListSigningKeys(ctx, since)
	if err != nil {
		return fmt.Errorf("load signing keys: %w", err)
	}
	if len(rows) == 0 || rows[0].Status != "active" {
		return errors.New("no active signing key: run `gatehouse keys rotate`")
	}
	prev := m.state.Load()
	st := &keyState{byKID: map[string]*rsa.PublicKey{}}
	for _, r := range rows {
		var pub *rsa.PublicKey
		var priv *rsa.PrivateKey
		if prev != nil && prev.byKID[r.KID] != nil && (r.Status != "active" || prev.kid == r.KID) {
			pub = prev.byKID[r.KID]
		} else {
			priv, err = keys.UnmarshalPrivate(m.sealer, r.KID, r.PrivateSealed)
			if err != nil {
				return fmt.Errorf("unseal signing key %s (is GATEHOUSE_ENCRYPTION_KEY the one this database was created with?): %w", r.KID, err)
			}
			pub = &priv.PublicKey
		}
		if r.Status == "active" {
			if prev != nil && prev.kid == r.KID {
				st.active, st.kid, st.pem = prev.active, prev.kid, prev.pem
			} else {
				signer, err := keys.NewSigner(keys.SigningKey{KID: r.KID, Private: priv})
				if err != nil {
					return err
				}
				st.active, st.kid, st.pem = signer, r.KID, keys.PublicPEM(pub)
			}
		}
		st.byKID[r.KID] = pub
		st.public = append(st.public, keys.PublicJWK{KID: r.KID, Key: pub})
	}
	if st.jwks, err = keys.JWKS(st.public); err != nil {
		return err
	}
	m.state.Store(st)
	return nil
}

// JWKS returns the JSON Web Key Set of every published key.
func (m *Manager) JWKS() []byte { return m.state.Load().jwks }

// RotateSigningKey makes a fresh key active; the old one is retired but stays
// published for RetiredKeyGrace. It returns the new kid.
func (m *Manager) RotateSigningKey(ctx context.Context) (string, error) {
	priv, err := keys.GenerateRSA()
	if err != nil {
		return "", err
	}
	err = m.st.Tx(ctx, func(q *store.Q) error {
		now := m.clock.Now().UnixMilli()
		if err := q.RetireSigningKeys(ctx, now); err != nil {
			return err
		}
		return m.insertSigningKey(ctx, q, priv, now)
	})
	if err != nil {
		return "", err
	}
	if err := m.reloadKeys(ctx); err != nil {
		return "", err
	}
	_, kid := m.Signer()
	m.audit.Record(ctx, audit.Event{Type: audit.SigningKeyRotated, Data: map[string]any{"kid": kid}})
	return kid, nil
}

// UpdateSettings stores new instance settings and applies them on this node
// at once (other nodes reload within their reload interval).
func (m *Manager) UpdateSettings(ctx context.Context, s gatehouse.Settings) error {
	if err := m.st.Tx(ctx, func(q *store.Q) error { return q.UpdateInstanceSettings(ctx, m.id, s) }); err != nil {
		return err
	}
	m.settings.Store(&s)
	return nil
}
