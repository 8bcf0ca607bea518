package bapi

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
)

// setProfileImage is POST /users/{id}/profile_image (multipart "file");
// the same checks as the frontend's upload (size, sniffed type, no SVG).
func (a *API) setProfileImage(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.Users.Get(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	data, err := httpx.ReadUpload(r, "file", gatehouse.MaxProfileImageBytes)
	if err != nil {
		return err
	}
	u, _, err := a.Users.SetProfileImage(r.Context(), r.PathValue("id"), data)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, a.render(u))
	return nil
}

// deleteProfileImage is DELETE /users/{id}/profile_image.
func (a *API) deleteProfileImage(w http.ResponseWriter, r *http.Request) error {
	u, err := a.Users.RemoveProfileImage(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, a.render(u))
	return nil
}
