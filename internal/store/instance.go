package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// GetInstance loads the instance row; ErrNotFound before bootstrap.
func (q *Q) GetInstance(ctx context.Context) (*gatehouse.Instance, error) {
	var in gatehouse.Instance
	var settings string
	err := q.queryRow(ctx, "SELECT id, created_at, settings FROM instance LIMIT 1").Scan(&in.ID, &in.CreatedAt, &settings)
	if err != nil {
		return nil, mapErr(err)
	}
	if err := json.Unmarshal([]byte(settings), &in.Settings); err != nil {
		return nil, fmt.Errorf("instance settings are corrupt: %w", err)
	}
	return &in, nil
}

// InsertInstance creates the instance row.
func (q *Q) InsertInstance(ctx context.Context, in *gatehouse.Instance) error {
	b, err := json.Marshal(in.Settings)
	if err != nil {
		return err
	}
	_, err = q.exec(ctx, "INSERT INTO instance (id, created_at, settings) VALUES (?, ?, ?)", in.ID, in.CreatedAt, string(b))
	return err
}

// UpdateInstanceSettings replaces the instance settings.
func (q *Q) UpdateInstanceSettings(ctx context.Context, id string, s gatehouse.Settings) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	res, err := q.exec(ctx, "UPDATE instance SET settings=? WHERE id=?", string(b), id)
	if err != nil {
		return err
	}
	return expectOne(res)
}

// SigningKeyRow is a stored signing key; the private key is sealed.
type SigningKeyRow struct {
	KID           string
	Alg           string
	PrivateSealed []byte
	Status        string // "active" or "retired"
	CreatedAt     int64
	RetiredAt     *int64
}

// InsertSigningKey stores a signing key.
func (q *Q) InsertSigningKey(ctx context.Context, k SigningKeyRow) error {
	_, err := q.exec(ctx, "INSERT INTO signing_keys (kid, alg, private_sealed, status, created_at, retired_at) VALUES (?,?,?,?,?,?)",
		k.KID, k.Alg, k.PrivateSealed, k.Status, k.CreatedAt, k.RetiredAt)
	return err
}

// ListSigningKeys returns the active key first, then retired keys retired
// after retiredSince (Unix ms), newest first.
func (q *Q) ListSigningKeys(ctx context.Context, retiredSince int64) ([]SigningKeyRow, error) {
	rows, err := q.query(ctx, `SELECT kid, alg, private_sealed, status, created_at, retired_at FROM signing_keys
		WHERE status='active' OR retired_at > ? ORDER BY CASE WHEN status='active' THEN 0 ELSE 1 END, created_at DESC`, retiredSince)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SigningKeyRow
	for rows.Next() {
		var k SigningKeyRow
		if err := rows.Scan(&k.KID, &k.Alg, &k.PrivateSealed, &k.Status, &k.CreatedAt, &k.RetiredAt); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RetireSigningKeys marks every active key retired at the given time.
func (q *Q) RetireSigningKeys(ctx context.Context, at int64) error {
	_, err := q.exec(ctx, "UPDATE signing_keys SET status='retired', retired_at=? WHERE status='active'", at)
	return err
}

// SecretKeyRow is a stored Backend API secret key (hash only).
type SecretKeyRow struct {
	ID        string
	Hash      []byte
	Hint      string
	Name      string
	CreatedAt int64
	RevokedAt *int64
}

// InsertSecretKey stores a secret key hash.
func (q *Q) InsertSecretKey(ctx context.Context, k SecretKeyRow) error {
	_, err := q.exec(ctx, "INSERT INTO secret_keys (id, hash, hint, name, created_at, revoked_at) VALUES (?,?,?,?,?,?)",
		k.ID, k.Hash, k.Hint, k.Name, k.CreatedAt, k.RevokedAt)
	return err
}

// FindSecretKey finds a non-revoked key by the SHA-256 of its plaintext.
func (q *Q) FindSecretKey(ctx context.Context, hash []byte) (*SecretKeyRow, error) {
	var k SecretKeyRow
	err := q.queryRow(ctx, "SELECT id, hash, hint, name, created_at, revoked_at FROM secret_keys WHERE hash=? AND revoked_at IS NULL", hash).
		Scan(&k.ID, &k.Hash, &k.Hint, &k.Name, &k.CreatedAt, &k.RevokedAt)
	if err != nil {
		return nil, mapErr(err)
	}
	return &k, nil
}

// ListSecretKeys lists every secret key, newest first.
func (q *Q) ListSecretKeys(ctx context.Context) ([]SecretKeyRow, error) {
	rows, err := q.query(ctx, "SELECT id, hash, hint, name, created_at, revoked_at FROM secret_keys ORDER BY created_at DESC, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SecretKeyRow
	for rows.Next() {
		var k SecretKeyRow
		if err := rows.Scan(&k.ID, &k.Hash, &k.Hint, &k.Name, &k.CreatedAt, &k.RevokedAt); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeSecretKey marks a key revoked.
func (q *Q) RevokeSecretKey(ctx context.Context, id string, at int64) error {
	res, err := q.exec(ctx, "UPDATE secret_keys SET revoked_at=? WHERE id=? AND revoked_at IS NULL", at, id)
	if err != nil {
		return err
	}
	return expectOne(res)
}
