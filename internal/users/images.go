package users

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
)

// SniffProfileImage returns the content type of an uploaded profile image,
// decided from its bytes alone (never from a client-declared type or file
// name), or a 422 unless it is PNG, JPEG, GIF or WebP.
func SniffProfileImage(data []byte) (string, error) {
	if len(data) == 0 {
		return "", gatehouse.ParamMissing("file")
	}
	if len(data) > gatehouse.MaxProfileImageBytes {
		return "", errImageTooLarge()
	}
	ct := http.DetectContentType(data)
	if !slices.Contains(gatehouse.ProfileImageTypes, ct) {
		return "", gatehouse.ParamInvalid("file", "The profile image must be a PNG, JPEG, GIF or WebP image.")
	}
	return ct, nil
}

func errImageTooLarge() *gatehouse.Error {
	return gatehouse.Err(gatehouse.CodeRequestBodyTooLarge).Msg("image too large").
		Longf("The profile image must be at most %d MB.", gatehouse.MaxProfileImageBytes/1_000_000)
}

// SetProfileImage makes data (sniffed here) the user's profile image,
// replacing any previous one, and emits user.updated.
func (s *Service) SetProfileImage(ctx context.Context, userID string, data []byte) (*gatehouse.User, *gatehouse.ProfileImage, error) {
	ct, err := SniffProfileImage(data)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	img := &gatehouse.ProfileImage{ID: gatehouse.NewID(gatehouse.PrefixImage), UserID: userID, ContentType: ct, Data: data, CreatedAt: now}
	u, err := s.changeImage(ctx, userID, func(q *store.Q, u *gatehouse.User) error {
		u.ImageURL = gatehouse.ProfileImagePath(img.ID)
		return q.ReplaceProfileImage(ctx, img)
	})
	if err != nil {
		return nil, nil, err
	}
	return u, img, nil
}

// RemoveProfileImage deletes the user's uploaded image (the default avatar
// shows again) and emits user.updated when there was one.
func (s *Service) RemoveProfileImage(ctx context.Context, userID string) (*gatehouse.User, error) {
	return s.changeImage(ctx, userID, func(q *store.Q, u *gatehouse.User) error {
		u.ImageURL = ""
		return q.DeleteProfileImages(ctx, userID)
	})
}

func (s *Service) changeImage(ctx context.Context, userID string, change func(*store.Q, *gatehouse.User) error) (*gatehouse.User, error) {
	var out *gatehouse.User
	err := s.st.Tx(ctx, func(q *store.Q) error {
		u, err := q.GetUserForUpdate(ctx, userID)
		if err != nil {
			return err
		}
		before := u.ImageURL
		if err := change(q, u); err != nil {
			return err
		}
		out = u
		if before == "" && u.ImageURL == "" {
			return nil
		}
		u.UpdatedAt = max(s.now(), u.UpdatedAt)
		if err := q.UpdateUser(ctx, u); err != nil {
			return err
		}
		return store.Emit(ctx, s.events, q, gatehouse.EventUserUpdated, u)
	})
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil, gatehouse.NotFound("User")
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ProfileImage loads an uploaded image by id (gatehouse.ErrNotFound when
// there is none).
func (s *Service) ProfileImage(ctx context.Context, id string) (*gatehouse.ProfileImage, error) {
	return s.st.Q().GetProfileImage(ctx, id)
}
