package gatehouse

// Instance is the one deployment-wide tenant: its id and the settings end users
// experience. Keys live in their own tables.
type Instance struct {
	ID        string
	CreatedAt int64
	Settings  Settings
}

// Settings are the instance settings stored as JSON in the database. Zero
// values mean "use the default" so old rows keep working as fields are added.
type Settings struct {
	ApplicationName     string   `json:"application_name,omitempty"`
	PasswordMinLength   int      `json:"password_min_length,omitempty"`
	PasswordMaxLength   int      `json:"password_max_length,omitempty"`
	SessionLifetimeSecs int      `json:"session_lifetime_seconds,omitempty"`
	InactivityTimeout   int      `json:"inactivity_timeout_seconds,omitempty"`
	MultiSession        bool     `json:"multi_session,omitempty"`
	LockoutAttempts     int      `json:"lockout_attempts,omitempty"`
	LockoutSeconds      int      `json:"lockout_seconds,omitempty"`
	AllowedOrigins      []string `json:"allowed_origins,omitempty"`
	// AllowEnumeration turns enumeration protection off: an unknown sign-in
	// identifier is then answered with form_identifier_not_found (Clerk's
	// default behaviour). Zero value: protected.
	AllowEnumeration bool `json:"allow_enumeration,omitempty"`
	// Branding of the hosted pages.
	LogoURL      string `json:"logo_url,omitempty"`      // https URL of a square logo
	PrimaryColor string `json:"primary_color,omitempty"` // #rrggbb
	// SessionClaims is a claims template rendered into every session token,
	// e.g. {"metadata": "{{user.public_metadata}}"}.
	SessionClaims map[string]any `json:"session_claims,omitempty"`
}

// Defaults for Settings fields left at zero.
const (
	DefaultPasswordMinLength = 8
	DefaultPasswordMaxLength = 256
	DefaultSessionLifetime   = 7 * 24 * 3600
	DefaultLockoutAttempts   = 10
	DefaultLockoutSeconds    = 3600
	DefaultPrimaryColor      = "#1d4ed8"
)

// PasswordBounds returns the effective password length limits.
func (s Settings) PasswordBounds() (minLen, maxLen int) {
	minLen, maxLen = s.PasswordMinLength, s.PasswordMaxLength
	if minLen <= 0 {
		minLen = DefaultPasswordMinLength
	}
	if maxLen <= 0 {
		maxLen = DefaultPasswordMaxLength
	}
	return minLen, maxLen
}

// EnumerationProtected reports whether sign-in hides which identifiers
// belong to an account.
func (s Settings) EnumerationProtected() bool { return !s.AllowEnumeration }

// Lockout returns the effective lockout threshold and duration in seconds.
func (s Settings) Lockout() (attempts, seconds int) {
	attempts, seconds = s.LockoutAttempts, s.LockoutSeconds
	if attempts <= 0 {
		attempts = DefaultLockoutAttempts
	}
	if seconds <= 0 {
		seconds = DefaultLockoutSeconds
	}
	return attempts, seconds
}
