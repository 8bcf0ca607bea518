package bapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
)

type instanceJSON struct {
	Object          string             `json:"object"`
	ID              string             `json:"id"`
	EnvironmentType string             `json:"environment_type"`
	AllowedOrigins  []string           `json:"allowed_origins"`
	Settings        gatehouse.Settings `json:"gatehouse_settings"`
}

func (a *API) renderInstance() instanceJSON {
	s := a.Instance.Settings()
	origins := s.AllowedOrigins
	if origins == nil {
		origins = []string{}
	}
	return instanceJSON{Object: "instance", ID: a.Instance.ID(), EnvironmentType: "production", AllowedOrigins: origins, Settings: s}
}

func (a *API) getInstance(w http.ResponseWriter, r *http.Request) error {
	httpx.JSON(w, http.StatusOK, a.renderInstance())
	return nil
}

// updateInstanceBody is Clerk's PATCH /instance (allowed_origins) plus
// Gatehouse's own instance settings. Clerk fields Gatehouse has no use for
// are accepted and ignored.
type updateInstanceBody struct {
	AllowedOrigins           *[]string      `json:"allowed_origins"`
	TestMode                 *bool          `json:"test_mode"`
	HIBP                     *bool          `json:"hibp"`
	SupportEmail             *string        `json:"support_email"`
	ClerkJSVersion           *string        `json:"clerk_js_version"`
	DevelopmentOrigin        *string        `json:"development_origin"`
	ApplicationName          *string        `json:"application_name"`
	SessionClaims            map[string]any `json:"session_claims"`
	MultiSession             *bool          `json:"multi_session"`
	EnumerationProtection    *bool          `json:"enumeration_protection"`
	LogoURL                  *string        `json:"logo_url"`
	PrimaryColor             *string        `json:"primary_color"`
	SessionLifetimeSeconds   *int           `json:"session_lifetime_seconds"`
	InactivityTimeoutSeconds *int           `json:"inactivity_timeout_seconds"`
	PasswordMinLength        *int           `json:"password_min_length"`
	LockoutAttempts          *int           `json:"lockout_attempts"`
	LockoutSeconds           *int           `json:"lockout_seconds"`
}

// ValidOrigin reports whether s is exactly scheme://host[:port].
func ValidOrigin(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil &&
		(u.Path == "" || u.Path == "/") && u.RawQuery == "" && u.Fragment == "" && !strings.ContainsAny(u.Host, " *")
}

func (a *API) updateInstance(w http.ResponseWriter, r *http.Request) error {
	var b updateInstanceBody
	if err := httpx.Decode(r, &b); err != nil {
		return err
	}
	s := a.Instance.Settings()
	if b.AllowedOrigins != nil {
		out := []string{}
		for _, o := range *b.AllowedOrigins {
			if !ValidOrigin(o) {
				return gatehouse.ParamInvalid("allowed_origins", "'"+o+"' is not an origin like https://app.example.com (scheme, host and optional port only).")
			}
			out = append(out, strings.TrimSuffix(o, "/"))
		}
		s.AllowedOrigins = out
	}
	if b.ApplicationName != nil {
		s.ApplicationName = strings.TrimSpace(*b.ApplicationName)
	}
	if b.SessionClaims != nil {
		s.SessionClaims = b.SessionClaims
	}
	if b.MultiSession != nil {
		s.MultiSession = *b.MultiSession
	}
	if b.LogoURL != nil {
		v := strings.TrimSpace(*b.LogoURL)
		if u, err := url.Parse(v); v != "" && (err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(v) > 2048) {
			return gatehouse.ParamInvalid("logo_url", "logo_url must be an https URL (or empty to remove the logo).")
		}
		s.LogoURL = v
	}
	if b.PrimaryColor != nil {
		v := strings.ToLower(strings.TrimSpace(*b.PrimaryColor))
		if v != "" && !validHexColor(v) {
			return gatehouse.ParamInvalid("primary_color", "primary_color must look like #1d4ed8 (or empty for the default).")
		}
		s.PrimaryColor = v
	}
	if b.EnumerationProtection != nil {
		s.AllowEnumeration = !*b.EnumerationProtection
	}
	for _, f := range []struct {
		name     string
		v        *int
		dst      *int
		min, max int
	}{
		{"session_lifetime_seconds", b.SessionLifetimeSeconds, &s.SessionLifetimeSecs, 300, 10 * 365 * 86400},
		{"inactivity_timeout_seconds", b.InactivityTimeoutSeconds, &s.InactivityTimeout, 0, 365 * 86400},
		{"password_min_length", b.PasswordMinLength, &s.PasswordMinLength, 8, 72},
		{"lockout_attempts", b.LockoutAttempts, &s.LockoutAttempts, 1, 1000},
		{"lockout_seconds", b.LockoutSeconds, &s.LockoutSeconds, 1, 365 * 86400},
	} {
		if f.v == nil {
			continue
		}
		if *f.v < f.min || *f.v > f.max {
			return gatehouse.Err(gatehouse.CodeParamValueInvalid).Msg("is out of range").
				Longf("%s must be between %d and %d.", f.name, f.min, f.max)
		}
		*f.dst = *f.v
	}
	if err := a.Instance.UpdateSettings(r.Context(), s); err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, a.renderInstance())
	return nil
}

func validHexColor(v string) bool {
	if len(v) != 7 || v[0] != '#' {
		return false
	}
	for _, c := range v[1:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
