package fapi

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpx"
)

// environment serves the instance configuration clerk-js and the prebuilt
// components load first: email + password sign-up with email-code
// verification, single- or multi-session, no social providers yet.
func (a *API) environment(w http.ResponseWriter, r *http.Request) error {
	s := a.Instance.Settings()
	minLen, maxLen := s.PasswordBounds()
	name := s.ApplicationName
	if name == "" {
		name = "Gatehouse"
	}
	off := map[string]any{"enabled": false, "required": false, "used_for_first_factor": false, "first_factors": []string{},
		"used_for_second_factor": false, "second_factors": []string{}, "verifications": []string{}, "verify_at_sign_up": false}
	attr := func(enabled, required bool, first, verifications []string, verify bool) map[string]any {
		return map[string]any{"enabled": enabled, "required": required, "used_for_first_factor": len(first) > 0,
			"first_factors": first, "used_for_second_factor": false, "second_factors": []string{},
			"verifications": verifications, "verify_at_sign_up": verify}
	}
	base := a.base(r.Context())
	envType := "production"
	if a.Dev {
		envType = "development"
	}
	httpx.JSON(w, http.StatusOK, map[string]any{
		"object": "environment", "id": "env_" + a.Instance.ID(), "maintenance_mode": false,
		"auth_config": map[string]any{"object": "auth_config", "id": "aac_" + a.Instance.ID(),
			"single_session_mode": !s.MultiSession, "claimed_at": nil, "reverification": false},
		"display_config": map[string]any{"object": "display_config", "id": "dc_" + a.Instance.ID(),
			"instance_environment_type": envType, "application_name": name, "branded": false,
			"captcha_public_key": nil, "captcha_public_key_invisible": nil, "captcha_widget_type": "smart",
			"captcha_provider": "turnstile", "captcha_oauth_bypass": []string{}, "home_url": base,
			"sign_in_url": base + "/sign-in", "sign_up_url": base + "/sign-up", "user_profile_url": base + "/user",
			"after_sign_in_url": "/", "after_sign_up_url": "/", "after_sign_out_one_url": "/", "after_sign_out_all_url": "/",
			"after_switch_session_url": "/", "preferred_sign_in_strategy": "password", "logo_image_url": "",
			"favicon_image_url": "", "theme": map[string]any{}, "show_devmode_warning": a.Dev, "support_email": nil,
			"clerk_js_version": nil, "organization_profile_url": "", "create_organization_url": ""},
		"user_settings": map[string]any{
			"attributes": map[string]any{
				"email_address":     attr(true, true, []string{"email_code"}, []string{"email_code"}, true),
				"password":          attr(true, true, nil, nil, false),
				"username":          attr(true, false, nil, nil, false),
				"first_name":        attr(true, false, nil, nil, false),
				"last_name":         attr(true, false, nil, nil, false),
				"phone_number":      off,
				"web3_wallet":       off,
				"authenticator_app": off,
				"backup_code":       off,
				"passkey":           off,
			},
			"social":            map[string]any{},
			"enterprise_sso":    map[string]any{"enabled": false},
			"sign_in":           map[string]any{"second_factor": map[string]any{"required": false, "enabled": false}},
			"sign_up":           map[string]any{"captcha_enabled": false, "progressive": true, "mode": "public", "legal_consent_enabled": false},
			"restrictions":      map[string]any{"allowlist": map[string]any{"enabled": false}, "blocklist": map[string]any{"enabled": false}},
			"password_settings": map[string]any{"min_length": minLen, "max_length": maxLen, "disable_hibp": true, "require_special_char": false, "require_numbers": false, "require_uppercase": false, "require_lowercase": false, "show_zxcvbn": false, "min_zxcvbn_strength": 0, "allowed_special_characters": ""},
			"actions":           map[string]any{"delete_self": true, "create_organization": false},
			"passkey_settings":  map[string]any{"allow_autofill": false, "show_sign_in_button": false},
		},
		"organization_settings": map[string]any{"enabled": false, "max_allowed_memberships": 0, "actions": map[string]any{"admin_delete": false},
			"domains": map[string]any{"enabled": false, "enrollment_modes": []string{}, "default_role": nil}, "force_organization_selection": false},
		"commerce_settings": map[string]any{"billing": map[string]any{"user": map[string]any{"enabled": false}, "organization": map[string]any{"enabled": false}}},
		"protect_config":    map[string]any{"object": "protect_config", "id": "protect", "loaders": []any{}},
	})
	return nil
}
