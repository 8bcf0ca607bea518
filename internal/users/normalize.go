package users

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// Limits on identifiers.
const (
	maxEmailLen    = 254
	minUsernameLen = 4
	maxUsernameLen = 64
	maxNameLen     = 256
)

// NormalizeEmail returns the canonical form of an email address used for
// uniqueness and lookup: NFKC-normalised (so look-alike full-width and
// compatibility characters collapse), trimmed and lower-cased. It rejects
// addresses that are not plausibly deliverable.
func NormalizeEmail(raw string) (string, bool) {
	if !utf8.ValidString(raw) {
		return "", false
	}
	s := strings.ToLower(norm.NFKC.String(strings.TrimSpace(raw)))
	if len(s) == 0 || len(s) > maxEmailLen {
		return "", false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.Count(s, "@") != 1 {
		return "", false
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || invisible(r) || r == '<' || r == '>' || r == '(' || r == ')' ||
			r == ',' || r == ';' || r == '"' || r == '\\' || r == '[' || r == ']' {
			return "", false
		}
	}
	return s, true
}

// SameEmail reports whether a and b name the same address under
// NormalizeEmail, the one normaliser the store's lookups use. Everything that
// compares an identifier the visitor typed with a stored address must use it
// (not strings.EqualFold): a full-width or compatibility form of an address
// finds the account, so it must also be treated as that address everywhere
// else, or the difference is an enumeration oracle. An address that does not
// normalise equals nothing.
func SameEmail(a, b string) bool {
	na, ok := NormalizeEmail(a)
	if !ok {
		return false
	}
	nb, ok := NormalizeEmail(b)
	return ok && na == nb
}

// UsernameKey is the case-insensitive form of a username returned by
// NormalizeUsername, used for uniqueness and lookup.
func UsernameKey(name string) string { return strings.ToLower(name) }

// invisible reports characters that render as nothing (or only steer the
// rendering of their neighbours), so two identifiers differing by them look
// identical: format characters (category Cf: zero-width space and joiners,
// bidi marks, embeddings, overrides and isolates, soft hyphen, BOM, tags),
// variation selectors and the other default-ignorable code points (Hangul
// fillers, ...). Identifiers containing them are refused.
func invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// bidiControl reports the bidi embedding, override and isolate controls
// (U+202A..U+202E, U+2066..U+2069), which can make a name display as
// something else; names refuse them (names keep ZWJ/ZWNJ, which some
// scripts and emoji need).
func bidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// NormalizePhone returns an E.164 phone number: a '+' and 8 to 15 digits,
// with spaces, dashes, dots and parentheses removed.
func NormalizePhone(raw string) (string, bool) {
	s := norm.NFKC.String(strings.TrimSpace(raw))
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	out := b.String()
	if !strings.HasPrefix(out, "+") || len(out) < 9 || len(out) > 16 || out[1] == '0' {
		return "", false
	}
	return out, true
}

// NormalizeUsername validates a username and returns it NFKC-normalised as
// given (uniqueness is case-insensitive in the store). Usernames are 4 to 64
// ASCII letters, digits, '_', '-' or '.' after NFKC (so full-width
// "ａｄｍｉｎ" is "admin"). Letters of other scripts are refused: without
// the UTS #39 confusables data Gatehouse cannot tell a Cyrillic "аdmin" from
// the Latin "admin", and ASCII case folding is the one comparison the
// database's unique index on username_norm enforces exactly.
func NormalizeUsername(raw string) (string, *gatehouse.Error) {
	s := norm.NFKC.String(strings.TrimSpace(raw))
	n := utf8.RuneCountInString(s)
	if n < minUsernameLen || n > maxUsernameLen {
		return "", gatehouse.Err(gatehouse.CodeUsernameInvalidLength).Param("username")
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-' || r == '.') {
			return "", gatehouse.ParamInvalid("username", "Usernames can only contain the letters a-z and A-Z, digits, '_', '-' and '.'.")
		}
	}
	return s, nil
}

// cleanName trims a first/last name and bounds its length.
func cleanName(param string, v *string) (*string, error) {
	if v == nil {
		return nil, nil
	}
	s := strings.TrimSpace(*v)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxNameLen {
		return nil, gatehouse.ParamInvalid(param, param+" must be valid text of at most 256 characters.")
	}
	for _, r := range s {
		if unicode.IsControl(r) || bidiControl(r) {
			return nil, gatehouse.ParamInvalid(param, param+" must not contain control characters.")
		}
	}
	if s == "" {
		return nil, nil
	}
	return &s, nil
}
