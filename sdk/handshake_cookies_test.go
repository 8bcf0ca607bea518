package gatehouse

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The handshake sets exactly the cookies Gatehouse's payload may carry: the
// session token, __client_uat and (development instances) the dev-browser
// token, plain or suffixed. Any other cookie fails the handshake (a
// compromised or mistaken payload cannot plant cookies on the app).
func TestHandshakeDirectiveAllowlist(t *testing.T) {
	for _, c := range []struct {
		directives string
		ok         bool
	}{
		{`"__session=abc; Path=/","__client_uat=1800000000; Path=/"`, true},
		{`"__session_jhCTtJ4x=abc; Path=/","__client_uat_jhCTtJ4x=1; Path=/","__clerk_db_jwt=dvb_x; Path=/","__clerk_db_jwt_jhCTtJ4x=dvb_x; Path=/"`, true},
		{`"__session=abc; Path=/","theme=dark; Path=/"`, false},
		{`"__sessionX=abc; Path=/"`, false},
		{`"__clerk_db_jwtX=abc; Path=/"`, false},
	} {
		payload := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{},
				Body: io.NopCloser(strings.NewReader(`{"directives":[` + c.directives + `]}`)), Request: r}, nil
		})
		hs := &Handshake{FrontendURL: "https://clerk.example.test", APIURL: "https://clerk.example.test/api/v1",
			SecretKey: "sk_test_x", HTTPClient: &http.Client{Transport: payload}}
		h := Middleware(pemVerifier(t, nil), MiddlewareOptions{Handshake: hs})(http.NotFoundHandler())
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", appOrigin+"/dashboard?"+nonceParam+"=n1", nil)
		r.Header.Set("Accept", "text/html")
		h.ServeHTTP(w, r)
		if got := w.Code != http.StatusBadGateway; got != c.ok {
			t.Errorf("%s: status %d, want accepted=%v", c.directives, w.Code, c.ok)
		}
		if !c.ok && len(w.Result().Cookies()) != 0 {
			t.Errorf("%s: a refused payload set cookies %v", c.directives, w.Result().Cookies())
		}
	}
}
