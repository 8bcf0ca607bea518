package instance

import (
	"context"
	"encoding/hex"
	"errors"
	"github.com/gatehouse/gatehouse/internal/audit"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/keys"
	"github.com/gatehouse/gatehouse/internal/store"
)

// ErrSecretKeyInvalid means the presented secret key is unknown or revoked.
var ErrSecretKeyInvalid = errors.New("secret key invalid")

// AuthenticateSecretKey checks a Backend API secret key. Keys are looked up
// by the SHA-256 of the whole key (an indexed read, constant-time by nature
// of the hash lookup) and positive answers are cached for a few seconds.
// Any database error fails closed.
//
// Production accepts only sk_live_ keys. Development accepts sk_test_ keys
// and, so that data directories from before development keys existed keep
// working, a stored key under either prefix: the sk_live_ key an older
// version created answers as sk_test_ too (the SDKs read the instance type
// from the prefix, so pair it with the pk_test_ key), and the reverse.
func (m *Manager) AuthenticateSecretKey(ctx context.Context, plaintext string) error {
	rest, live := strings.CutPrefix(plaintext, keys.SecretLivePrefix)
	if !live {
		var test bool
		if rest, test = strings.CutPrefix(plaintext, keys.SecretTestPrefix); !test || !m.dev {
			return ErrSecretKeyInvalid
		}
	}
	candidates := []string{plaintext}
	if m.dev {
		other := keys.SecretTestPrefix
		if !live {
			other = keys.SecretLivePrefix
		}
		candidates = append(candidates, other+rest)
	}
	hash := keys.HashSecretKey(plaintext)
	ck := hex.EncodeToString(hash)
	now := m.clock.Now()
	m.mu.Lock()
	exp, ok := m.skCache[ck]
	m.mu.Unlock()
	if ok && now.Before(exp) {
		return nil
	}
	found := false
	for _, c := range candidates {
		h := keys.HashSecretKey(c)
		row, err := m.st.Q().FindSecretKey(ctx, h)
		if errors.Is(err, gatehouse.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if keys.EqualHash(row.Hash, h) {
			found = true
			break
		}
	}
	if !found {
		return ErrSecretKeyInvalid
	}
	m.mu.Lock()
	if len(m.skCache) > 1024 {
		clear(m.skCache)
	}
	m.skCache[ck] = now.Add(m.skTTL)
	m.mu.Unlock()
	return nil
}

// CreateSecretKey makes a new secret key and returns its plaintext (shown
// once; only its hash is stored) and id.
func (m *Manager) CreateSecretKey(ctx context.Context, name string) (plain, id string, err error) {
	plain, hash, err := keys.NewSecretKey(m.dev)
	if err != nil {
		return "", "", err
	}
	id = gatehouse.NewID(gatehouse.PrefixSecretKey)
	err = m.st.Tx(ctx, func(q *store.Q) error {
		return q.InsertSecretKey(ctx, store.SecretKeyRow{ID: id, Hash: hash, Hint: keys.SecretKeyHint(plain), Name: name,
			CreatedAt: m.clock.Now().UnixMilli()})
	})
	if err == nil {
		m.audit.Record(ctx, audit.Event{Type: audit.SecretKeyCreated, Data: map[string]any{"secret_key_id": id, "name": name, "hint": keys.SecretKeyHint(plain)}})
	}
	return plain, id, err
}

// ListSecretKeys lists secret keys (hints only).
func (m *Manager) ListSecretKeys(ctx context.Context) ([]store.SecretKeyRow, error) {
	return m.st.Q().ListSecretKeys(ctx)
}

// RevokeSecretKey revokes a key by id; this node forgets it at once, other
// nodes within the cache TTL.
func (m *Manager) RevokeSecretKey(ctx context.Context, id string) error {
	err := m.st.Tx(ctx, func(q *store.Q) error { return q.RevokeSecretKey(ctx, id, m.clock.Now().UnixMilli()) })
	if errors.Is(err, gatehouse.ErrNotFound) {
		return gatehouse.NotFound("Secret key")
	}
	if err != nil {
		return err
	}
	m.mu.Lock()
	clear(m.skCache)
	m.mu.Unlock()
	m.audit.Record(ctx, audit.Event{Type: audit.SecretKeyRevoked, Data: map[string]any{"secret_key_id": id}})
	return nil
}
