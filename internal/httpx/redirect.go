package httpx

import "net/url"

// ValidRedirect reports whether raw is an absolute http(s) URL whose origin is
// exactly this server's or one of allowed (no prefix matching, no userinfo).
func ValidRedirect(raw, self string, allowed []string) (*url.URL, bool) {
	if len(raw) > 4096 {
		return nil, false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Opaque != "" {
		return nil, false
	}
	origin := u.Scheme + "://" + u.Host
	if origin == self {
		return u, true
	}
	for _, a := range allowed {
		if origin == a || origin+"/" == a {
			return u, true
		}
	}
	return nil, false
}
