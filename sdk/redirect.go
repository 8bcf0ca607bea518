package gatehouse

import (
	"net/http"
	"net/url"
	"strings"
)

// The SDK sends browsers to addresses built from the request it is serving.
// A request path is attacker-chosen: "https://app//evil.example/x" has the
// path "//evil.example/x", which as a Location header is scheme-relative and
// leaves the app. Every return address is therefore rebuilt here from the
// app's own scheme and host plus a path that cannot be read as an authority,
// and every same-origin redirect the SDK writes passes localRedirect.

// localPath returns u's path and query as an origin-relative reference: one
// leading slash, never "//" or "/\" (both name another host to a browser),
// no backslash, whitespace or control character anywhere; when the path
// cannot be made safe it is "/". Such bytes in the query are percent-encoded.
func localPath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" || !cleanRef(p) {
		p = "/"
	}
	p = "/" + strings.TrimLeft(p, "/") // "//evil/x", "///evil" → "/evil/x", "/evil"
	if q := u.RawQuery; q != "" {
		p += "?" + escapeUnclean(q)
	}
	return p
}

// escapeUnclean percent-encodes the bytes cleanRef refuses.
func escapeUnclean(s string) string {
	if cleanRef(s) {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; unclean(c) {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// cleanRef reports whether s has no byte a browser's URL parser strips,
// folds into a slash, or treats as the end of the reference: ASCII control
// characters, space, backslash, '#' and non-ASCII bytes.
func cleanRef(s string) bool {
	for i := 0; i < len(s); i++ {
		if unclean(s[i]) {
			return false
		}
	}
	return true
}

func unclean(c byte) bool { return c <= ' ' || c == '\\' || c == '#' || c >= 0x7f }

// isLocalRef reports whether ref, as a Location header, stays on the
// current origin: it starts with exactly one slash followed by something
// other than a slash or backslash, and holds nothing a browser would rewrite.
func isLocalRef(ref string) bool {
	if ref == "" || ref[0] != '/' || !cleanRef(ref) {
		return false
	}
	return len(ref) == 1 || (ref[1] != '/' && ref[1] != '\\')
}

// appURL returns the absolute URL of the request on the app's own origin
// (scheme from the connection, host from the request), with a localPath.
// ok is false when the host is not a plain host[:port].
func appURL(r *http.Request) (string, bool) {
	host := r.Host
	if host == "" || !cleanRef(host) || strings.ContainsAny(host, "/?@%") {
		return "", false
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := scheme + "://" + host + localPath(r.URL)
	if p, err := url.Parse(u); err != nil || p.Host != host || p.Scheme != scheme {
		return "", false
	}
	return u, true
}

// localRedirect redirects to ref on the current origin, or to "/" when ref
// would leave it.
func localRedirect(w http.ResponseWriter, r *http.Request, ref string, code int) {
	if !isLocalRef(ref) {
		ref = "/"
	}
	// http.Redirect cleans the path of a relative reference; set the header
	// ourselves so what was checked is what is sent.
	w.Header().Set("Location", ref)
	w.WriteHeader(code)
}
