package store

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// ReplaceProfileImage stores img as its user's only profile image. Call it
// inside Tx, with the user row locked.
func (q *Q) ReplaceProfileImage(ctx context.Context, img *gatehouse.ProfileImage) error {
	if err := q.DeleteProfileImages(ctx, img.UserID); err != nil {
		return err
	}
	_, err := q.exec(ctx, "INSERT INTO profile_images (id, user_id, content_type, data, created_at) VALUES (?,?,?,?,?)",
		img.ID, img.UserID, img.ContentType, img.Data, img.CreatedAt)
	return err
}

// DeleteProfileImages removes a user's profile image, if any.
func (q *Q) DeleteProfileImages(ctx context.Context, userID string) error {
	_, err := q.exec(ctx, "DELETE FROM profile_images WHERE user_id=?", userID)
	return err
}

// GetProfileImage loads one image by id.
func (q *Q) GetProfileImage(ctx context.Context, id string) (*gatehouse.ProfileImage, error) {
	var img gatehouse.ProfileImage
	err := q.queryRow(ctx, "SELECT id, user_id, content_type, data, created_at FROM profile_images WHERE id=?", id).
		Scan(&img.ID, &img.UserID, &img.ContentType, &img.Data, &img.CreatedAt)
	if err != nil {
		return nil, mapErr(err)
	}
	return &img, nil
}
