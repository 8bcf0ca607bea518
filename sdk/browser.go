package gatehouse

import (
	"net/http"
	"net/url"
)

// SecurityHeaders sets headers every page should carry: no framing,
// no MIME sniffing, a strict referrer policy.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if h.Get("Content-Security-Policy") == "" {
			h.Set("Content-Security-Policy", "frame-ancestors 'none'")
		}
		next.ServeHTTP(w, r)
	})
}

// CSRF refuses state-changing requests that a browser sent from another
// site: Sec-Fetch-Site must be same-origin (or none), or, for browsers
// without it, Origin must match the request host. Requests with an
// Authorization header are not cookie-authenticated and pass.
func CSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if r.Header.Get("Authorization") != "" {
			next.ServeHTTP(w, r)
			return
		}
		if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
			if site != "same-origin" && site != "none" {
				Forbidden(w, "Cross-site request refused.")
				return
			}
		} else if origin := r.Header.Get("Origin"); origin != "" {
			u, err := url.Parse(origin)
			if err != nil || u.Host != r.Host {
				Forbidden(w, "Cross-origin request refused.")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
