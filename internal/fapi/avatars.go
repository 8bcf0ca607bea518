package fapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
	"github.com/gatehouse/gatehouse/internal/wire"
)

// Profile images. A user without an uploaded image gets a generated default
// avatar (initials on a colour, or a neutral silhouette) from a stateless
// URL that carries only what the user object already shows: the initials of
// the names and a palette index derived from the user id. Uploaded images
// (PNG, JPEG, GIF, WebP, sniffed from their bytes; never SVG) live in the
// database and are served at an unguessable, immutable URL.

// imageCSP forbids everything, scripts included, to an image opened as a
// document; sandbox turns off script even where CSP is not honoured.
const imageCSP = "default-src 'none'; sandbox"

var avatarColors = [wire.AvatarPalette]string{"#6C47FF", "#0E7C86", "#B3261E", "#1565C0", "#5D4037", "#2E7D32", "#AD1457", "#455A64"}

func imageHeaders(w http.ResponseWriter, contentType, cache string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", imageCSP)
	h.Set("Cross-Origin-Resource-Policy", "cross-origin") // apps on other origins show it in <img>
	h.Set("Cache-Control", cache)
}

// defaultAvatar renders GET /v1/avatars/default.svg?initials=AB&seed=3.
// Unknown parameters (the components add width=) are ignored; initials are
// re-sanitized here (letters and digits, at most two), so the SVG never
// contains anything but fixed markup, a colour from the palette and up to
// two letters.
func (a *API) defaultAvatar(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	initials := wire.Initials(strings.Split(q.Get("initials"), "")...) // the first two letters or digits
	seed, err := strconv.Atoi(q.Get("seed"))
	if err != nil || seed < 0 || seed >= len(avatarColors) {
		seed = 0
	}
	var fg string
	if initials != "" {
		fg = `<text x="64" y="64" dy="0.35em" text-anchor="middle" font-family="system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif" font-size="52" font-weight="600" fill="#FFFFFF">` + initials + `</text>`
	} else {
		fg = `<circle cx="64" cy="50" r="22" fill="#FFFFFF" fill-opacity="0.9"/><path d="M24 112c4-22 20-34 40-34s36 12 40 34z" fill="#FFFFFF" fill-opacity="0.9"/>`
	}
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128" role="img"><rect width="128" height="128" fill="%s"/>%s</svg>`, avatarColors[seed], fg)
	imageHeaders(w, "image/svg+xml", "public, max-age=31536000, immutable")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(svg))
	return nil
}

// profileImage serves an uploaded image by id with the type it was sniffed
// as. Ids change with every upload, so the response may be cached; a day
// bounds how long a removed picture lingers in caches.
func (a *API) profileImage(w http.ResponseWriter, r *http.Request) error {
	img, err := a.Users.ProfileImage(r.Context(), r.PathValue("id"))
	if err != nil {
		if errors.Is(err, gatehouse.ErrNotFound) {
			return gatehouse.NotFound("Image")
		}
		return err
	}
	imageHeaders(w, img.ContentType, "public, max-age=86400")
	w.Header().Set("Content-Length", strconv.Itoa(len(img.Data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(img.Data)
	return nil
}

type imageJSON struct {
	Object    string `json:"object"`
	ID        string `json:"id"`
	Name      string `json:"name"`
	PublicURL string `json:"public_url"`
}

// setMyProfileImage is POST /v1/me/profile_image.
func (a *API) setMyProfileImage(w http.ResponseWriter, r *http.Request) error {
	_, u, err := a.me(r)
	if err != nil {
		return err
	}
	data, err := httpx.ReadUpload(r, "file", gatehouse.MaxProfileImageBytes)
	if err != nil {
		return err
	}
	u, img, err := a.Users.SetProfileImage(r.Context(), u.ID, data)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, imageJSON{Object: "image", ID: img.ID, Name: img.ID,
		PublicURL: wire.ImageURL(u, a.base(r.Context()))})
}

// deleteMyProfileImage is DELETE /v1/me/profile_image.
func (a *API) deleteMyProfileImage(w http.ResponseWriter, r *http.Request) error {
	_, u, err := a.me(r)
	if err != nil {
		return err
	}
	if _, err := a.Users.RemoveProfileImage(r.Context(), u.ID); err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, wire.DeletedObject{Object: "image", ID: strings.TrimPrefix(u.ImageURL, gatehouse.ProfileImagePath("")), Deleted: true})
}
