package store

import (
	"context"
	"database/sql"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// DevBrowser is a dev browser row (see gatehouse.DevBrowser).
type DevBrowser = gatehouse.DevBrowser

const devBrowserColumns = `id, token_hash, client_id, origin, created_at, last_used_at, expire_at`

// InsertDevBrowser stores a new dev browser.
func (q *Q) InsertDevBrowser(ctx context.Context, d *DevBrowser) error {
	_, err := q.exec(ctx, "INSERT INTO dev_browsers ("+devBrowserColumns+") VALUES (?,?,?,?,?,?,?)",
		d.ID, d.TokenHash, d.ClientID, d.Origin, d.CreatedAt, d.LastUsedAt, d.ExpireAt)
	return err
}

// DevBrowserByTokenHash finds a dev browser by the hash of its token
// (gatehouse.ErrNotFound when none; expiry is the caller's check).
func (q *Q) DevBrowserByTokenHash(ctx context.Context, hash []byte) (*DevBrowser, error) {
	var d DevBrowser
	err := q.queryRow(ctx, "SELECT "+devBrowserColumns+" FROM dev_browsers WHERE token_hash=?", hash).
		Scan(&d.ID, &d.TokenHash, &d.ClientID, &d.Origin, &d.CreatedAt, &d.LastUsedAt, &d.ExpireAt)
	if err != nil {
		return nil, mapErr(err)
	}
	return &d, nil
}

// BindDevBrowser binds an unbound dev browser to clientID. It reports false
// when the dev browser is gone or already bound (a concurrent request won).
func (q *Q) BindDevBrowser(ctx context.Context, id, clientID string) (bool, error) {
	return affectedOne(q.exec(ctx, "UPDATE dev_browsers SET client_id=? WHERE id=? AND client_id IS NULL", clientID, id))
}

// RotateDevBrowser replaces the token hash, but only while the row still
// holds oldHash: of concurrent rotations exactly one reports true.
func (q *Q) RotateDevBrowser(ctx context.Context, id string, oldHash, newHash []byte, now, expireAt int64) (bool, error) {
	return affectedOne(q.exec(ctx, "UPDATE dev_browsers SET token_hash=?, last_used_at=?, expire_at=? WHERE id=? AND token_hash=?",
		newHash, now, expireAt, id, oldHash))
}

// TouchDevBrowser records use of a dev browser and moves its deadline.
func (q *Q) TouchDevBrowser(ctx context.Context, id string, now, expireAt int64) error {
	_, err := q.exec(ctx, "UPDATE dev_browsers SET last_used_at=?, expire_at=? WHERE id=? AND last_used_at<?", now, expireAt, id, now)
	return err
}

// UnbindDevBrowsers detaches every dev browser from a client (sign-out of
// the whole client keeps the dev browser, without its client).
func (q *Q) UnbindDevBrowsers(ctx context.Context, clientID string) error {
	_, err := q.exec(ctx, "UPDATE dev_browsers SET client_id=NULL WHERE client_id=?", clientID)
	return err
}

// DeleteExpiredDevBrowsers removes dev browsers past their deadline.
func (q *Q) DeleteExpiredDevBrowsers(ctx context.Context, now int64) error {
	_, err := q.exec(ctx, "DELETE FROM dev_browsers WHERE expire_at<?", now)
	return err
}

// DeleteAllDevBrowsers empties the table (production mode at startup: the
// tokens are development credentials).
func (q *Q) DeleteAllDevBrowsers(ctx context.Context) (int64, error) {
	res, err := q.exec(ctx, "DELETE FROM dev_browsers")
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func affectedOne(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
