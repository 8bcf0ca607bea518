package fapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
)

// A Frontend API proxy on the app's origin (@clerk/nextjs 7's
// frontendApiProxy, design-nextjs.md §4) forwards the browser's calls with
// Clerk-Proxy-Url and Clerk-Secret-Key. With a live secret key the absolute
// URLs the FAPI hands out (image_url, the environment's URLs) are under the
// proxy URL, since the browser may not reach Gatehouse itself (found by
// compat/nextjs: the default avatar was fetched from Gatehouse's own
// origin); without the key, or with a wrong one, or with a proxy URL that
// is not a plain absolute URL, the header is ignored.
func TestFrontendAPIProxy(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		const proxy = devApp + "/__clerk"
		b := devBrowserServer(t, s)
		via := func(key, proxyURL string) http.Header {
			return http.Header{"Clerk-Proxy-Url": {proxyURL}, "Clerk-Secret-Key": {key}}
		}
		b.Header = via(s.SecretKey, proxy)
		signUp(t, s, b, "proxy+clerk_test@example.com")

		imageURLs := func() (user, public string) {
			t.Helper()
			sess := b.Call("GET", "/v1/client", nil).Env(t).Response["sessions"].([]any)[0].(map[string]any)
			return sess["user"].(map[string]any)["image_url"].(string), sess["public_user_data"].(map[string]any)["image_url"].(string)
		}
		homeURL := func() string {
			t.Helper()
			var env struct {
				DisplayConfig struct {
					HomeURL   string `json:"home_url"`
					SignInURL string `json:"sign_in_url"`
				} `json:"display_config"`
			}
			b.Call("GET", "/v1/environment", nil).JSON(t, &env)
			if env.DisplayConfig.SignInURL != env.DisplayConfig.HomeURL+"/sign-in" {
				t.Fatalf("environment: %+v", env.DisplayConfig)
			}
			return env.DisplayConfig.HomeURL
		}

		u, p := imageURLs()
		if !strings.HasPrefix(u, proxy+"/v1/avatars/default.svg?") || !strings.HasPrefix(p, proxy+"/v1/avatars/default.svg?") {
			t.Fatalf("image_url behind the proxy: %q, %q", u, p)
		}
		if h := homeURL(); h != proxy {
			t.Fatalf("home_url behind the proxy: %q", h)
		}

		// Untrusted: the public URL, as if no proxy had forwarded the request.
		for name, h := range map[string]http.Header{
			"no key":          {"Clerk-Proxy-Url": {proxy}},
			"wrong key":       via("sk_test_"+strings.Repeat("x", 40), proxy),
			"publishable":     via(s.App.Instance.PublishableKey(), proxy),
			"userinfo":        via(s.SecretKey, "http://u:p@localhost:3000/__clerk"),
			"query":           via(s.SecretKey, proxy+"?x=1"),
			"not http":        via(s.SecretKey, "javascript:alert(1)"),
			"relative":        via(s.SecretKey, "/__clerk"),
			"no proxy at all": {},
		} {
			b.Header = h
			if u, p := imageURLs(); !strings.HasPrefix(u, s.URL+"/v1/avatars/") || !strings.HasPrefix(p, s.URL+"/v1/avatars/") {
				t.Fatalf("%s: image_url %q, %q", name, u, p)
			}
			if h := homeURL(); h != s.URL {
				t.Fatalf("%s: home_url %q", name, h)
			}
		}
	})
}

// Behind a trusted proxy the cookies belong to the proxy's host: host-only
// (the configured cookie domain is the public host's parent, which the
// proxy's host need not share), Secure following the proxy URL's scheme.
func TestFrontendAPIProxyCookies(t *testing.T) {
	for _, e := range []apitest.Engine{apitest.SQLite, apitest.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			s := apitest.StartProduction(t, e, nil)
			const app = "https://app.example.test"
			if r := s.BAPI("PATCH", "/instance", map[string]any{"allowed_origins": []string{app}}); r.Status != 200 {
				t.Fatalf("set allowed origins: %d %s", r.Status, r.Body)
			}
			cookies := func(h http.Header) map[string]*http.Cookie {
				t.Helper()
				b := s.NewBrowser()
				b.Origin, b.Header = app, h
				r := b.Call("POST", "/v1/client", nil)
				if r.Status != 200 {
					t.Fatalf("POST /v1/client: %d %s", r.Status, r.Body)
				}
				out := map[string]*http.Cookie{}
				for _, c := range (&http.Response{Header: r.Header}).Cookies() {
					out[c.Name] = c
				}
				return out
			}
			direct := cookies(nil)
			if c := direct["__client_uat"]; c == nil || c.Domain != "gatehouse.test" || !c.Secure {
				t.Fatalf("direct __client_uat: %+v", c)
			}
			proxied := cookies(http.Header{"Clerk-Proxy-Url": {app + "/__clerk"}, "Clerk-Secret-Key": {s.SecretKey}})
			for _, name := range []string{"__client", "__client_uat"} {
				if c := proxied[name]; c == nil || c.Domain != "" || !c.Secure || c.Path != "/" {
					t.Fatalf("proxied %s: %+v", name, c)
				}
			}
			// A forged proxy URL without the secret key changes nothing.
			forged := cookies(http.Header{"Clerk-Proxy-Url": {"https://evil.test/__clerk"}, "Clerk-Secret-Key": {"sk_live_forged"}})
			if c := forged["__client_uat"]; c == nil || c.Domain != "gatehouse.test" {
				t.Fatalf("forged proxy __client_uat: %+v", c)
			}
		})
	}
}
