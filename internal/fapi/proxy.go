package fapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// Headers a Frontend API proxy sends (@clerk/backend's clerkFrontendApiProxy,
// @clerk/nextjs 7's frontendApiProxy): the public URL the browser used to
// reach the proxy (e.g. http://localhost:3000/__clerk), and the app's secret
// key to prove the proxy speaks for the instance.
const (
	HeaderProxyURL  = "Clerk-Proxy-Url"
	HeaderSecretKey = "Clerk-Secret-Key"
)

type proxyKey struct{}

// proxied recognises requests forwarded by a Frontend API proxy. The proxy URL
// is believed only when Clerk-Secret-Key is a live secret key of this
// instance (anyone can send the header; only the app knows the key); then the
// absolute URLs the FAPI hands out (image_url, the environment's URLs) are
// built under the proxy URL instead of the public URL, because the browser
// may not be able to reach this server directly, and cookies are host-only on
// the proxy's host with Secure following its scheme. A missing or wrong key
// leaves the request as if no proxy had forwarded it. Either way the secret
// key is removed from the request before anything else sees it.
func (a *API) proxied(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimSpace(r.Header.Get(HeaderSecretKey))
		raw := strings.TrimSpace(r.Header.Get(HeaderProxyURL))
		r.Header.Del(HeaderSecretKey)
		if key != "" && raw != "" {
			if base, ok := proxyBase(raw); ok && a.Instance.AuthenticateSecretKey(r.Context(), key) == nil {
				r = r.WithContext(context.WithValue(r.Context(), proxyKey{}, base))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// proxyBase validates a Clerk-Proxy-Url value: an absolute http(s) URL with a
// host and no userinfo, query or fragment. It returns it without a trailing
// slash.
func proxyBase(raw string) (string, bool) {
	if len(raw) > 2048 {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Opaque != "" ||
		u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", false
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), true
}

// proxyURL is the trusted proxy URL the request came through ("" when none).
func proxyURL(ctx context.Context) string {
	s, _ := ctx.Value(proxyKey{}).(string)
	return s
}

// base is the URL under which this request's browser reaches the FAPI: the
// trusted proxy URL, else the public URL.
func (a *API) base(ctx context.Context) string {
	if p := proxyURL(ctx); p != "" {
		return p
	}
	return a.PublicURL
}

// cookieSecure and cookieDomain are the Secure and Domain attributes of the
// cookies this request's response sets: behind a trusted proxy the cookies
// belong to the proxy's host (host-only), Secure when it is https.
func (a *API) cookieSecure(ctx context.Context) bool {
	if p := proxyURL(ctx); p != "" {
		return strings.HasPrefix(p, "https://")
	}
	return a.secure()
}

func (a *API) cookieDomain(ctx context.Context) string {
	if proxyURL(ctx) != "" {
		return ""
	}
	return a.CookieDomain
}
