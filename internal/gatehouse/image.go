package gatehouse

// ProfileImage is an uploaded profile picture. Data was sniffed as one of
// ProfileImageTypes before it was stored; it is served only with
// ContentType.
type ProfileImage struct {
	ID          string
	UserID      string
	ContentType string
	Data        []byte
	CreatedAt   int64
}

// PrefixImage prefixes profile image ids.
const PrefixImage = "img_"

// MaxProfileImageBytes bounds an uploaded profile image: 10 MB, the limit
// Clerk's <UserProfile/> avatar uploader enforces in the browser.
const MaxProfileImageBytes = 10_000_000

// ProfileImageTypes are the content types a profile image may have (what
// the avatar uploader offers). SVG is never accepted: it can carry script.
var ProfileImageTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

// ProfileImagePath is the server-relative path an uploaded image is served
// at; users.image_url stores it.
func ProfileImagePath(id string) string { return "/v1/profile_images/" + id }
