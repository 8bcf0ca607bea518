package fapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/keys"
)

// handshakeDirectives runs a handshake and returns its cookie directives
// (resolved through BAPI for format=nonce, from the signed token for
// format=token) and the response.
func handshakeDirectives(t *testing.T, s *apitest.Server, b *apitest.Browser, query string) ([]string, *apitest.Response) {
	t.Helper()
	r := b.Call("GET", "/v1/client/handshake?"+query, nil)
	if r.Status != 307 {
		t.Fatalf("handshake: %d %s", r.Status, r.Body)
	}
	loc, _ := url.Parse(r.Header.Get("Location"))
	if loc.Query().Has("__clerk_db_jwt") {
		t.Fatalf("the redirect carries a dev-browser token: %s", loc)
	}
	var payload struct{ Directives []string }
	if tok := loc.Query().Get("__clerk_handshake"); tok != "" {
		var list []string
		for _, d := range claims(t, s, tok)["handshake"].([]any) {
			list = append(list, d.(string))
		}
		return list, r
	}
	p := s.BAPI("GET", "/clients/handshake_payload?nonce="+url.QueryEscape(loc.Query().Get("__clerk_handshake_nonce")), nil)
	p.JSON(t, &payload)
	if p.Status != 200 {
		t.Fatalf("handshake payload: %d %s", p.Status, p.Body)
	}
	return payload.Directives, r
}

// directive finds name's directive: its value and attributes.
func directive(ds []string, name string) (value, attrs string, ok bool) {
	for _, d := range ds {
		if v, ok := strings.CutPrefix(d, name+"="); ok {
			value, attrs, _ = strings.Cut(v, ";")
			return value, attrs, true
		}
	}
	return "", "", false
}

// dvbDirective checks the plain and suffixed __clerk_db_jwt directives
// (same token, readable by JavaScript, host-wide, long-lived) and returns
// the token.
func dvbDirective(t *testing.T, s *apitest.Server, ds []string) string {
	t.Helper()
	sfx := keys.CookieSuffix(s.App.Instance.PublishableKey())
	v, attrs, ok := directive(ds, "__clerk_db_jwt")
	v2, attrs2, ok2 := directive(ds, "__clerk_db_jwt_"+sfx)
	if !ok || !ok2 || v != v2 || attrs != attrs2 || !strings.HasPrefix(v, "dvb_") {
		t.Fatalf("__clerk_db_jwt directives: %q", ds)
	}
	if strings.Contains(attrs, "HttpOnly") || !strings.Contains(attrs, "Path=/") || !strings.Contains(attrs, "SameSite=Lax") ||
		!strings.Contains(attrs, "Max-Age=31536000") || strings.Contains(attrs, "Secure") {
		t.Fatalf("__clerk_db_jwt attributes on http: %q", attrs)
	}
	return v
}

func TestHandshakeDevBrowser(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		b := devBrowserServer(t, s)
		pk := s.App.Instance.PublishableKey()
		if !strings.HasPrefix(pk, "pk_test_") {
			t.Fatalf("development publishable key: %s", pk)
		}
		sfx := keys.CookieSuffix(pk)
		q := "redirect_url=" + url.QueryEscape(devApp+"/protected") + "&format=nonce"

		// A signed-out visitor with no token: an unbound dev browser, and
		// every directive plain and suffixed.
		anon := s.NewBrowser()
		ds, r := handshakeDirectives(t, s, anon, q)
		if r.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("handshake Referrer-Policy: %v", r.Header)
		}
		for _, n := range []string{"__session", "__client_uat"} {
			if _, _, ok := directive(ds, n); !ok {
				t.Fatalf("no %s: %q", n, ds)
			}
			if _, _, ok := directive(ds, n+"_"+sfx); !ok {
				t.Fatalf("no %s_%s: %q", n, sfx, ds)
			}
		}
		anonTok := dvbDirective(t, s, ds)
		if e := b.Call("GET", withDVB("/v1/client", anonTok), nil).Env(t); e.Client != nil {
			t.Fatalf("signed-out visitor's dev browser has a client: %v", e.Client)
		}
		// Handing the token back returns it unchanged; an unknown one is
		// replaced (no 401).
		ds, _ = handshakeDirectives(t, s, anon, q+"&__clerk_db_jwt="+anonTok)
		if dvbDirective(t, s, ds) != anonTok {
			t.Fatal("a valid unbound token was replaced")
		}
		ds, _ = handshakeDirectives(t, s, anon, q+"&__clerk_db_jwt=dvb_unknown")
		if tok := dvbDirective(t, s, ds); tok == anonTok || tok == "dvb_unknown" {
			t.Fatalf("unknown token: %s", tok)
		}

		// A signed-in browser (cookie): the dev browser names its client.
		victim := s.NewBrowser()
		vsid := signUp(t, s, victim, "victim+clerk_test@example.com")
		ds, _ = handshakeDirectives(t, s, victim, q)
		jwt, _, _ := directive(ds, "__session")
		jwt2, _, _ := directive(ds, "__session_"+sfx)
		if claims(t, s, jwt)["sid"] != vsid || jwt2 != jwt {
			t.Fatalf("signed-in handshake: %q", ds)
		}
		vtok := dvbDirective(t, s, ds)
		if e := b.Call("GET", withDVB("/v1/client", vtok), nil).Env(t); len(e.Client["sessions"].([]any)) != 1 {
			t.Fatalf("the handshake's dev browser does not reach the session: %v", e.Client)
		}
		// The token alone (no cookie) signs the handshake in as its client
		// and is handed back.
		ds, _ = handshakeDirectives(t, s, s.NewBrowser(), q+"&__clerk_db_jwt="+vtok)
		if jwt, _, _ := directive(ds, "__session"); jwt == "" || claims(t, s, jwt)["sid"] != vsid || dvbDirective(t, s, ds) != vtok {
			t.Fatalf("token-only handshake: %q", ds)
		}

		// A planted link: the attacker's signed-in token against the
		// victim's cookie. The cookie wins, and the victim gets a fresh
		// token, never the attacker's.
		attacker := s.NewBrowser()
		signUp(t, s, attacker, "attacker+clerk_test@example.com")
		ads, _ := handshakeDirectives(t, s, attacker, q)
		atok := dvbDirective(t, s, ads)
		ds, _ = handshakeDirectives(t, s, victim, q+"&__clerk_db_jwt="+atok)
		jwt, _, _ = directive(ds, "__session")
		if claims(t, s, jwt)["sid"] != vsid {
			t.Fatalf("a URL token beat the cookie: %q", ds)
		}
		if tok := dvbDirective(t, s, ds); tok == atok || tok == anonTok {
			t.Fatal("the victim was handed the attacker's dev browser")
		}
		// Nor is an unbound planted token bound to the victim's client.
		ds, _ = handshakeDirectives(t, s, victim, q+"&__clerk_db_jwt="+anonTok)
		if dvbDirective(t, s, ds) == anonTok {
			t.Fatal("a planted unbound token was bound to the victim's client")
		}
		if e := b.Call("GET", withDVB("/v1/client", anonTok), nil).Env(t); e.Client != nil {
			t.Fatalf("the planted token gained a client: %v", e.Client)
		}

		// format=token carries the same directives.
		ds, _ = handshakeDirectives(t, s, victim, "redirect_url="+url.QueryEscape(devApp+"/")+"&format=token")
		if jwt, _, _ := directive(ds, "__session_"+sfx); jwt == "" || len(ds) != 6 {
			t.Fatalf("format=token directives: %q", ds)
		}
		dvbDirective(t, s, ds)
	})
}

func TestEnvironmentInstanceType(t *testing.T) {
	dev := apitest.Start(t, apitest.SQLite)
	prod := apitest.StartProduction(t, apitest.SQLite, nil)
	for _, c := range []struct {
		s        *apitest.Server
		typ      string
		devmode  bool
		pkPrefix string
	}{{dev, "development", true, "pk_test_"}, {prod, "production", false, "pk_live_"}} {
		dc := c.s.Do("GET", "/v1/environment", nil, nil).Map(t)["display_config"].(map[string]any)
		if dc["instance_environment_type"] != c.typ || dc["show_devmode_warning"] != c.devmode {
			t.Errorf("%s display_config: %v %v", c.typ, dc["instance_environment_type"], dc["show_devmode_warning"])
		}
		if pk := c.s.App.Instance.PublishableKey(); !strings.HasPrefix(pk, c.pkPrefix) {
			t.Errorf("%s publishable key %s", c.typ, pk)
		}
	}
}

// Production: no dev-browser endpoint, the parameter is ignored, the
// handshake emits no __clerk_db_jwt (but still suffixed cookies), and
// __client_uat is set for the parent domain of clerk.<domain>.
func TestDevBrowserAbsentInProduction(t *testing.T) {
	for _, e := range []apitest.Engine{apitest.SQLite, apitest.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			s := apitest.StartProduction(t, e, nil)
			const app = "https://gatehouse.test"
			if r := s.BAPI("PATCH", "/instance", map[string]any{"allowed_origins": []string{app}}); r.Status != 200 {
				t.Fatalf("set allowed origins: %d %s", r.Status, r.Body)
			}
			b := s.NewBrowser()
			b.Origin = app
			if r := b.Call("POST", "/v1/dev_browser", nil); r.Status != 404 || r.ErrorCode() != "resource_not_found" {
				t.Fatalf("POST /v1/dev_browser in production: %d %s", r.Status, r.Body)
			}
			r := b.Call("POST", withDVB("/v1/client", "dvb_whatever"), nil)
			if r.Status != 200 || r.Header.Get("Clerk-Db-Jwt") != "" {
				t.Fatalf("dev-browser parameter not ignored: %d %s", r.Status, r.Body)
			}
			var uat *http.Cookie
			for _, c := range (&http.Response{Header: r.Header}).Cookies() {
				if c.Name == "__client_uat" {
					uat = c
				}
			}
			if uat == nil || uat.Domain != "gatehouse.test" || !uat.Secure {
				t.Fatalf("__client_uat: %+v", uat)
			}
			sfx := keys.CookieSuffix(s.App.Instance.PublishableKey())
			ds, _ := handshakeDirectives(t, s, b, "redirect_url="+url.QueryEscape(app+"/")+"&__clerk_db_jwt=dvb_x")
			if _, _, ok := directive(ds, "__clerk_db_jwt"); ok || len(ds) != 4 {
				t.Fatalf("production handshake directives: %q", ds)
			}
			if _, attrs, ok := directive(ds, "__client_uat_"+sfx); !ok || !strings.Contains(attrs, "Secure") {
				t.Fatalf("production handshake directives: %q", ds)
			}
		})
	}
}
