package store

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

const identColumns = `id, user_id, kind, value, value_norm, verification_status, verification_strategy,
	verification_attempts, verification_expire_at, reserved, created_at, updated_at`

func scanIdentification(sc scanner) (*gatehouse.Identification, error) {
	var i gatehouse.Identification
	err := sc.Scan(&i.ID, &i.UserID, &i.Kind, &i.Value, &i.Normalized, &i.VerificationStatus,
		&i.VerificationStrategy, &i.VerificationAttempts, &i.VerificationExpireAt, &i.Reserved, &i.CreatedAt, &i.UpdatedAt)
	if err != nil {
		return nil, mapErr(err)
	}
	return &i, nil
}

// InsertIdentification inserts an email address or phone number.
func (q *Q) InsertIdentification(ctx context.Context, i *gatehouse.Identification) error {
	_, err := q.exec(ctx, `INSERT INTO identifications (`+identColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
		i.ID, i.UserID, i.Kind, i.Value, i.Normalized, i.VerificationStatus, i.VerificationStrategy,
		i.VerificationAttempts, i.VerificationExpireAt, i.Reserved, i.CreatedAt, i.UpdatedAt)
	return err
}

// UpdateIdentification writes the verification state of an identification.
func (q *Q) UpdateIdentification(ctx context.Context, i *gatehouse.Identification) error {
	res, err := q.exec(ctx, `UPDATE identifications SET verification_status=?, verification_strategy=?,
		verification_attempts=?, verification_expire_at=?, reserved=?, updated_at=? WHERE id=?`,
		i.VerificationStatus, i.VerificationStrategy, i.VerificationAttempts, i.VerificationExpireAt, i.Reserved,
		i.UpdatedAt, i.ID)
	if err != nil {
		return err
	}
	return expectOne(res)
}

// DeleteIdentification removes one identification.
func (q *Q) DeleteIdentification(ctx context.Context, id string) error {
	res, err := q.exec(ctx, "DELETE FROM identifications WHERE id=?", id)
	if err != nil {
		return err
	}
	return expectOne(res)
}

// FindIdentification looks an identification up by kind and normalised value.
func (q *Q) FindIdentification(ctx context.Context, kind, normalized string) (*gatehouse.Identification, error) {
	return scanIdentification(q.queryRow(ctx, "SELECT "+identColumns+
		" FROM identifications WHERE kind=? AND value_norm=?", kind, normalized))
}

// GetIdentification loads one identification by id.
func (q *Q) GetIdentification(ctx context.Context, id string) (*gatehouse.Identification, error) {
	return scanIdentification(q.queryRow(ctx, "SELECT "+identColumns+" FROM identifications WHERE id=?", id))
}

// FindUserByUsername looks a user id up by (case-insensitive) username.
func (q *Q) FindUserByUsername(ctx context.Context, username string) (string, error) {
	var id string
	err := q.queryRow(ctx, "SELECT id FROM users WHERE username_norm=?", username).Scan(&id)
	return id, mapErr(err)
}
