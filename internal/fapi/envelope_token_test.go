package fapi_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
)

func envelopeToken(t *testing.T, b *apitest.Browser) string {
	t.Helper()
	e := b.Call("GET", "/v1/client", nil).Env(t)
	sessions, _ := e.Client["sessions"].([]any)
	if len(sessions) != 1 {
		return ""
	}
	lat, _ := sessions[0].(map[string]any)["last_active_token"].(map[string]any)
	jwt, _ := lat["jwt"].(string)
	return jwt
}

// Envelope tokens (last_active_token) are reused for a few seconds while
// nothing in them changes; the refresh endpoint always mints; a claim change
// or a revoked session is seen at once.
func TestEnvelopeTokenReuse(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		b := s.NewBrowser()
		sid := signUp(t, s, b, "reuse+clerk_test@example.com")
		first := envelopeToken(t, b)
		if first == "" || envelopeToken(t, b) != first {
			t.Fatal("GET /v1/client twice within the reuse window: want the same token")
		}
		_, r1 := token(t, b, sid)
		_, r2 := token(t, b, sid)
		if r1 == "" || r1 == r2 || r1 == first {
			t.Fatal("the refresh endpoint must mint a new token every time")
		}
		c := claims(t, s, first)
		userID := c["sub"].(string)

		// A claims template using metadata: a metadata change mints at once.
		s.BAPI("PATCH", "/instance", map[string]any{"session_claims": map[string]any{"role": "{{user.public_metadata.role}}"}})
		withTemplate := envelopeToken(t, b)
		if withTemplate == first {
			t.Fatal("a new claims template must not reuse the old token")
		}
		s.BAPI("PATCH", "/users/"+userID+"/metadata", map[string]any{"public_metadata": map[string]any{"role": "admin"}})
		after := envelopeToken(t, b)
		if after == withTemplate || claims(t, s, after)["role"] != "admin" {
			t.Fatalf("metadata change: token reused or claim missing: %v", claims(t, s, after))
		}

		// Ending the session: no token is handed out any more.
		b.Call("POST", "/v1/client/sessions/"+sid+"/end", nil).Env(t)
		if tok := envelopeToken(t, b); tok != "" {
			t.Fatal("an ended session still got an envelope token")
		}
		// A banned user's session gets no token either (fresh session).
		b2 := s.NewBrowser()
		sid2 := signUp(t, s, b2, "reuse2+clerk_test@example.com")
		if envelopeToken(t, b2) == "" {
			t.Fatal("no envelope token for a fresh session")
		}
		u2 := claims(t, s, envelopeToken(t, b2))["sub"].(string)
		s.BAPI("POST", "/users/"+u2+"/ban", nil)
		if tok := envelopeToken(t, b2); tok != "" {
			t.Fatal("a banned user's session still got a (reused) envelope token")
		}
		_ = sid2
	})
}

// The refresh endpoint authenticates the client and the session together:
// no or a forged client token is 401, another client's session is 404.
func TestTokenRefreshAuthentication(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	a := s.NewBrowser()
	sid := signUp(t, s, a, "refresh-auth+clerk_test@example.com")
	if r, jwt := token(t, a, sid); r.Status != 200 || jwt == "" {
		t.Fatalf("owner: %d %s", r.Status, r.Body)
	}
	stranger := s.NewBrowser()
	if r, _ := token(t, stranger, sid); r.Status != 401 || r.ErrorCode() != "authentication_invalid" {
		t.Fatalf("no client: %d %s", r.Status, r.Body)
	}
	u, _ := url.Parse(s.URL)
	stranger.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "__client", Value: "forged-client-token"}})
	if r, _ := token(t, stranger, sid); r.Status != 401 || r.ErrorCode() != "authentication_invalid" {
		t.Fatalf("forged client: %d %s", r.Status, r.Body)
	}
	other := s.NewBrowser()
	signUp(t, s, other, "refresh-other+clerk_test@example.com")
	if r, _ := token(t, other, sid); r.Status != 404 || r.ErrorCode() != "resource_not_found" {
		t.Fatalf("another client's session: %d %s", r.Status, r.Body)
	}
}
