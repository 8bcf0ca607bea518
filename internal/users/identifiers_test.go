package users

import "testing"

// The identifier character policy (docs/backend-api.md): emails refuse
// invisible characters; usernames are ASCII after NFKC; names refuse
// control and bidi override characters.
func TestIdentifierCharacterPolicy(t *testing.T) {
	for _, bad := range []string{
		"ad\u200bmin@example.com", // zero-width space
		"admin\u200d@example.com", // zero-width joiner
		"admin@exa\u200cmple.com", // zero-width non-joiner
		"\u202eadmin@example.com", // right-to-left override
		"admin\u2066@example.com", // left-to-right isolate
		"ad\u00admin@example.com", // soft hyphen
		"\ufeffadmin@example.com", // byte-order mark
		"admin\u2060@example.com", // word joiner
		"admin\ufe0f@example.com", // variation selector
		"ad\u3164min@example.com", // Hangul filler
		"admin\U000e0041@example.com",
	} {
		if n, ok := NormalizeEmail(bad); ok {
			t.Errorf("NormalizeEmail(%+q) accepted as %q", bad, n)
		}
	}
	if n, ok := NormalizeEmail("José@Exämple.com"); !ok || n != "josé@exämple.com" {
		t.Errorf("internationalised address: %q %v", n, ok)
	}
	for _, bad := range []string{"\u0430dmin", "admin\u0456", "\u0391dmin", "gr\u00e4ce", "ad\u200bmin", "admin\u202e", "\u0430\u0434\u043c\u0438\u043d"} {
		if n, err := NormalizeUsername(bad); err == nil || err.Code != "form_param_format_invalid" || err.Meta["param_name"] != "username" {
			t.Errorf("NormalizeUsername(%+q) = %q %v", bad, n, err)
		}
	}
	for in, want := range map[string]string{"admin": "admin", "Ada.Lovelace-1_x": "Ada.Lovelace-1_x", "\uff41\uff44\uff4d\uff49\uff4e": "admin"} {
		if got, err := NormalizeUsername(in); err != nil || got != want {
			t.Errorf("NormalizeUsername(%q) = %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"Ada\u202eecalevoL", "A\u2067da", "A\x00da", "A\x1bda"} {
		if _, err := cleanName("first_name", &bad); err == nil {
			t.Errorf("cleanName(%+q) accepted", bad)
		}
	}
	for _, good := range []string{"Zoë", "\u0905\u0930\u094d\u200d\u0925", "李"} { // ZWJ is part of some scripts
		if got, err := cleanName("first_name", &good); err != nil || *got != good {
			t.Errorf("cleanName(%q) = %v %v", good, got, err)
		}
	}
}
