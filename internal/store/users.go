package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

const userColumns = `id, external_id, username, first_name, last_name, image_url, password_digest,
	public_metadata, private_metadata, unsafe_metadata, banned, locked, lockout_until, failed_attempts,
	primary_email_address_id, primary_phone_number_id, last_sign_in_at, last_active_at, legal_accepted_at,
	delete_self_enabled, create_org_enabled, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanUser(sc scanner) (*gatehouse.User, error) {
	var raw userScan
	if err := sc.Scan(raw.dest()...); err != nil {
		return nil, mapErr(err)
	}
	return raw.user()
}

// userScan receives userColumns; user decodes them.
type userScan struct {
	u                 gatehouse.User
	pub, priv, unsafe string
}

func (r *userScan) dest() []any {
	u := &r.u
	return []any{&u.ID, &u.ExternalID, &u.Username, &u.FirstName, &u.LastName, &u.ImageURL, &u.PasswordDigest,
		&r.pub, &r.priv, &r.unsafe, &u.Banned, &u.Locked, &u.LockoutUntil, &u.FailedAttempts,
		&u.PrimaryEmailAddressID, &u.PrimaryPhoneNumberID, &u.LastSignInAt, &u.LastActiveAt, &u.LegalAcceptedAt,
		&u.DeleteSelfEnabled, &u.CreateOrgEnabled, &u.CreatedAt, &u.UpdatedAt}
}

// user returns a copy of the scanned user with its metadata decoded.
func (r *userScan) user() (*gatehouse.User, error) {
	u := r.u
	for _, m := range []struct {
		raw string
		dst *map[string]any
	}{{r.pub, &u.PublicMetadata}, {r.priv, &u.PrivateMetadata}, {r.unsafe, &u.UnsafeMetadata}} {
		if err := json.Unmarshal([]byte(m.raw), m.dst); err != nil {
			return nil, fmt.Errorf("user %s: corrupt metadata: %w", u.ID, err)
		}
		if *m.dst == nil {
			*m.dst = map[string]any{}
		}
	}
	return &u, nil
}

func metaJSON(m map[string]any) (string, error) {
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	return string(b), err
}

func lowerPtr(s *string) *string {
	if s == nil {
		return nil
	}
	v := strings.ToLower(*s)
	return &v
}

// InsertUser inserts u and its identifications. Call it inside Tx.
func (q *Q) InsertUser(ctx context.Context, u *gatehouse.User) error {
	pub, err1 := metaJSON(u.PublicMetadata)
	priv, err2 := metaJSON(u.PrivateMetadata)
	unsafe, err3 := metaJSON(u.UnsafeMetadata)
	if err := firstErr(err1, err2, err3); err != nil {
		return err
	}
	_, err := q.exec(ctx, `INSERT INTO users (`+userColumns+`, username_norm)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		u.ID, u.ExternalID, u.Username, u.FirstName, u.LastName, u.ImageURL, u.PasswordDigest,
		pub, priv, unsafe, u.Banned, u.Locked, u.LockoutUntil, u.FailedAttempts,
		u.PrimaryEmailAddressID, u.PrimaryPhoneNumberID, u.LastSignInAt, u.LastActiveAt, u.LegalAcceptedAt,
		u.DeleteSelfEnabled, u.CreateOrgEnabled, u.CreatedAt, u.UpdatedAt, lowerPtr(u.Username))
	if err != nil {
		return err
	}
	for i := range u.EmailAddresses {
		if err := q.InsertIdentification(ctx, &u.EmailAddresses[i]); err != nil {
			return err
		}
	}
	for i := range u.PhoneNumbers {
		if err := q.InsertIdentification(ctx, &u.PhoneNumbers[i]); err != nil {
			return err
		}
	}
	return nil
}

// UpdateUser writes every mutable column of u (not its identifications).
func (q *Q) UpdateUser(ctx context.Context, u *gatehouse.User) error {
	pub, err1 := metaJSON(u.PublicMetadata)
	priv, err2 := metaJSON(u.PrivateMetadata)
	unsafe, err3 := metaJSON(u.UnsafeMetadata)
	if err := firstErr(err1, err2, err3); err != nil {
		return err
	}
	res, err := q.exec(ctx, `UPDATE users SET external_id=?, username=?, username_norm=?, first_name=?, last_name=?,
		image_url=?, password_digest=?, public_metadata=?, private_metadata=?, unsafe_metadata=?, banned=?, locked=?,
		lockout_until=?, failed_attempts=?, primary_email_address_id=?, primary_phone_number_id=?, last_sign_in_at=?,
		last_active_at=?, legal_accepted_at=?, delete_self_enabled=?, create_org_enabled=?, updated_at=?
		WHERE id=?`,
		u.ExternalID, u.Username, lowerPtr(u.Username), u.FirstName, u.LastName, u.ImageURL, u.PasswordDigest,
		pub, priv, unsafe, u.Banned, u.Locked, u.LockoutUntil, u.FailedAttempts,
		u.PrimaryEmailAddressID, u.PrimaryPhoneNumberID, u.LastSignInAt, u.LastActiveAt, u.LegalAcceptedAt,
		u.DeleteSelfEnabled, u.CreateOrgEnabled, u.UpdatedAt, u.ID)
	if err != nil {
		return err
	}
	return expectOne(res)
}

// DeleteUser deletes a user; its identifications go with it (ON DELETE CASCADE).
func (q *Q) DeleteUser(ctx context.Context, id string) error {
	res, err := q.exec(ctx, "DELETE FROM users WHERE id=?", id)
	if err != nil {
		return err
	}
	return expectOne(res)
}

// GetUser loads a user with its identifications, in one statement.
func (q *Q) GetUser(ctx context.Context, id string) (*gatehouse.User, error) {
	return q.oneJoinedUser(ctx, "SELECT "+joinedUserColumns+" FROM users u"+identLeftJoin+
		" WHERE u.id=? ORDER BY "+identOrder, []any{id})
}

// GetUserForUpdate is GetUser inside a write transaction. On PostgreSQL it
// locks the row so concurrent read-modify-write cycles (metadata merges,
// failed-attempt counters) serialise; SQLite has one writer already.
func (q *Q) GetUserForUpdate(ctx context.Context, id string) (*gatehouse.User, error) {
	query := "SELECT " + userColumns + " FROM users WHERE id=?"
	if q.engine == Postgres {
		query += " FOR UPDATE"
	}
	u, err := scanUser(q.queryRow(ctx, query, id))
	if err != nil {
		return nil, err
	}
	if err := q.attachIdentifications(ctx, []*gatehouse.User{u}); err != nil {
		return nil, err
	}
	return u, nil
}

func (q *Q) attachIdentifications(ctx context.Context, users []*gatehouse.User) error {
	if len(users) == 0 {
		return nil
	}
	byID := make(map[string]*gatehouse.User, len(users))
	args := make([]any, len(users))
	for i, u := range users {
		byID[u.ID] = u
		args[i] = u.ID
		u.EmailAddresses, u.PhoneNumbers = []gatehouse.Identification{}, []gatehouse.Identification{}
	}
	rows, err := q.query(ctx, "SELECT "+identColumns+" FROM identifications WHERE user_id IN ("+inList(len(args))+
		") ORDER BY created_at, id", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		idn, err := scanIdentification(rows)
		if err != nil {
			return err
		}
		u := byID[idn.UserID]
		if idn.Kind == gatehouse.KindPhone {
			u.PhoneNumbers = append(u.PhoneNumbers, *idn)
		} else {
			u.EmailAddresses = append(u.EmailAddresses, *idn)
		}
	}
	return rows.Err()
}

func expectOne(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return gatehouse.ErrNotFound
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// MarkSignIn records a completed sign-in: last_sign_in_at and last_active_at
// move to now and the consecutive-failure counter resets.
func (q *Q) MarkSignIn(ctx context.Context, userID string, now int64) error {
	_, err := q.exec(ctx, "UPDATE users SET last_sign_in_at=?, last_active_at=?, failed_attempts=0 WHERE id=?", now, now, userID)
	return err
}

// RecordFailedAttempt adds one failed verification to a user's counter and,
// when it reaches threshold, locks the user until lockUntil. It returns the
// new count and whether the user is now locked. Call it inside Tx.
func (q *Q) RecordFailedAttempt(ctx context.Context, userID string, threshold int, lockUntil int64) (int, bool, error) {
	var n int
	if err := q.queryRow(ctx, "UPDATE users SET failed_attempts=failed_attempts+1 WHERE id=? RETURNING failed_attempts", userID).Scan(&n); err != nil {
		return 0, false, mapErr(err)
	}
	if n >= threshold {
		if _, err := q.exec(ctx, "UPDATE users SET locked=?, lockout_until=? WHERE id=?", true, lockUntil, userID); err != nil {
			return n, false, err
		}
		return n, true, nil
	}
	return n, false, nil
}
