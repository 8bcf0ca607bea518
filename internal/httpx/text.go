package httpx

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// CheckJSONText refuses a JSON document any of whose strings (object keys
// included, at any depth) is not gatehouse.ValidText: raw invalid UTF-8, a
// \u0000 escape, or an unpaired UTF-16 surrogate escape. encoding/json would
// silently turn the last two kinds into U+FFFD (and keep NUL), so the check
// reads the raw bytes. The error names the top-level member that holds the
// bad string (Clerk's meta.param_name). body must already be syntactically
// valid JSON; on anything else CheckJSONText returns nil and leaves the
// syntax error to the decoder.
func CheckJSONText(body []byte) error {
	type level struct{ object, wantKey bool }
	var stack []level
	top := "" // the current top-level member name
	for i := 0; i < len(body); {
		switch body[i] {
		case '{', '[':
			stack = append(stack, level{object: body[i] == '{', wantKey: body[i] == '{'})
			i++
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			i++
		case ',':
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].wantKey = true
			}
			i++
		case ':':
			if n := len(stack); n > 0 {
				stack[n-1].wantKey = false
			}
			i++
		case '"':
			end, ok := scanJSONString(body, i+1)
			if end < 0 {
				return nil // not valid JSON: the decoder reports it
			}
			n := len(stack)
			isKey := n > 0 && stack[n-1].object && stack[n-1].wantKey
			if isKey && n == 1 {
				var k string
				_ = json.Unmarshal(body[i:end], &k)
				top = k
			}
			if !ok {
				if top == "" {
					return gatehouse.Malformed("The request body must be valid UTF-8 text without NUL characters.")
				}
				return gatehouse.TextInvalid(top)
			}
			i = end
		default:
			i++
		}
	}
	return nil
}

// scanJSONString scans the string whose content starts at body[i] and
// returns the index just past its closing quote (-1 if there is none) and
// whether its content is valid text.
func scanJSONString(body []byte, i int) (int, bool) {
	ok := true
	for i < len(body) {
		c := body[i]
		switch {
		case c == '"':
			return i + 1, ok
		case c == '\\':
			if i+1 >= len(body) {
				return -1, false
			}
			if body[i+1] != 'u' {
				i += 2
				continue
			}
			r, good := hex4(body, i+2)
			if !good {
				return -1, false
			}
			i += 6
			switch {
			case r == 0:
				ok = false
			case r >= 0xDC00 && r <= 0xDFFF: // a low surrogate with no high one before it
				ok = false
			case r >= 0xD800 && r <= 0xDBFF:
				lo, good := rune(-1), false
				if i+1 < len(body) && body[i] == '\\' && body[i+1] == 'u' {
					lo, good = hex4(body, i+2)
				}
				if !good || lo < 0xDC00 || lo > 0xDFFF {
					ok = false
					continue
				}
				i += 6
			}
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && size <= 1 {
				ok = false
			}
			i += size
		}
	}
	return -1, false
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c-'a') + 10
		case 'A' <= c && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	return r, true
}

// CheckValues refuses form or query values (keys included) that are not
// gatehouse.ValidText, naming the parameter (without the "[]" of a list
// parameter such as user_id[]).
func CheckValues(v url.Values) error {
	for k, vals := range v {
		bad := !gatehouse.ValidText(k)
		for _, s := range vals {
			bad = bad || !gatehouse.ValidText(s)
		}
		if bad {
			return gatehouse.TextInvalid(strings.TrimSuffix(k, "[]"))
		}
	}
	return nil
}

// CheckQuery refuses a request whose query string holds a NUL byte or
// invalid UTF-8 (percent-encoded or not) in any name or value.
func CheckQuery(r *http.Request) error {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return gatehouse.ParamInvalid("query", "The query string is not valid URL encoding.")
	}
	return CheckValues(q)
}

// checkPathValues refuses a request routed to a pattern whose wildcards
// hold anything but well-formed text; a wildcard named "id" must moreover
// be a well-formed Gatehouse ID (gatehouse.WellFormedID). Both answer 404
// resource_not_found, exactly as an unknown but well-formed ID does (Clerk
// answers 404 for unknown ids), so no lookup ever sees a malformed one.
func checkPathValues(r *http.Request) error {
	p := r.Pattern
	for {
		open := strings.IndexByte(p, '{')
		if open < 0 {
			return nil
		}
		end := strings.IndexByte(p[open:], '}')
		if end < 0 {
			return nil
		}
		name := p[open+1 : open+end]
		p = p[open+end+1:]
		name = strings.TrimSuffix(name, "...")
		if name == "$" {
			continue
		}
		v := r.PathValue(name)
		if !gatehouse.ValidText(v) || len(v) > 256 || (name == "id" && !gatehouse.WellFormedID(v)) {
			return gatehouse.Err(gatehouse.CodeResourceNotFound).Long("No resource matches " + name + " in this path.")
		}
	}
}

// ValidQuery answers a request whose query string fails CheckQuery with a
// 422 form_param_format_invalid naming the parameter.
func ValidQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := CheckQuery(r); err != nil {
			Error(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}
