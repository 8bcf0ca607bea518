package gatehouse

import (
	"strings"
	"unicode/utf8"
)

// ValidText reports whether s can be stored and compared identically on
// every engine: valid UTF-8 without NUL bytes. PostgreSQL refuses both in
// text columns; SQLite would store them and compare them oddly. Request
// decoding (JSON bodies, forms, query strings, path segments) refuses
// anything else before it reaches a handler.
func ValidText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// TextInvalid is the error for a parameter that is not ValidText.
// A param name that is itself not valid text (a bad key) is shown with the
// offending bytes replaced, so the error is always valid JSON text.
func TextInvalid(param string) *Error {
	if !ValidText(param) || len(param) > 64 {
		param = strings.ToValidUTF8(strings.ReplaceAll(param, "\x00", ""), "\uFFFD")
		if len(param) > 64 {
			param = strings.ToValidUTF8(param[:64], "")
		}
	}
	return ParamInvalid(param, param+" must be valid UTF-8 text without NUL characters.")
}
