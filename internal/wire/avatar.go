package wire

import (
	"crypto/sha256"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// DefaultAvatarPath serves the generated avatar of a user without an
// uploaded image (see fapi's avatar handler).
const DefaultAvatarPath = "/v1/avatars/default.svg"

// AvatarPalette is the number of background colours a default avatar
// picks from (its seed).
const AvatarPalette = 8

// ImageURL is a user's image_url: the uploaded image when there is one,
// else the generated default avatar, as an absolute URL under publicURL
// (the instance's configured public URL, never a request's Host).
func ImageURL(u *gatehouse.User, publicURL string) string {
	base := strings.TrimRight(publicURL, "/")
	switch {
	case strings.HasPrefix(u.ImageURL, "/"):
		return base + u.ImageURL
	case u.ImageURL != "":
		return u.ImageURL
	}
	// The query url.Values would encode (keys sorted), without building
	// the map on every render.
	sum := sha256.Sum256([]byte(u.ID))
	seed := "seed=" + strconv.Itoa(int(sum[0])%AvatarPalette)
	if in := Initials(deref(u.FirstName), deref(u.LastName)); in != "" {
		return base + DefaultAvatarPath + "?initials=" + url.QueryEscape(in) + "&" + seed
	}
	return base + DefaultAvatarPath + "?" + seed
}

// Initials returns up to two upper-case letters or digits: the first of
// each argument that has one. Everything else (markup, punctuation,
// control characters) is dropped, so the result is safe in SVG text.
func Initials(parts ...string) string {
	var out []rune
	for _, p := range parts {
		for _, r := range p {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				out = append(out, unicode.ToUpper(r))
				break
			}
		}
		if len(out) == 2 {
			break
		}
	}
	return string(out)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
