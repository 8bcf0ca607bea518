package fapi_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
)

// badIDs are path segments that must never reach a query: a NUL byte,
// invalid UTF-8 and an ID far longer than any Gatehouse issues.
var badIDs = map[string]string{
	"nul":          "%00",
	"nul in id":    "sess_abc%00def",
	"invalid utf8": "%ff",
	"utf8 in id":   "sia_abc%ffdef",
	"300 chars":    strings.Repeat("a", 300),
	"300 char id":  "sess_" + strings.Repeat("A", 300),
}

// fapiIDRoutes is every FAPI route with an {id} path parameter (fapi.go).
var fapiIDRoutes = []struct{ method, path string }{
	{"GET", "/v1/client/sign_ins/{id}"},
	{"POST", "/v1/client/sign_ins/{id}/prepare_first_factor"},
	{"POST", "/v1/client/sign_ins/{id}/attempt_first_factor"},
	{"POST", "/v1/client/sign_ins/{id}/reset_password"},
	{"GET", "/v1/client/sign_ups/{id}"},
	{"PATCH", "/v1/client/sign_ups/{id}"},
	{"POST", "/v1/client/sign_ups/{id}/prepare_verification"},
	{"POST", "/v1/client/sign_ups/{id}/attempt_verification"},
	{"GET", "/v1/client/sessions/{id}"},
	{"POST", "/v1/client/sessions/{id}/touch"},
	{"POST", "/v1/client/sessions/{id}/tokens"},
	{"POST", "/v1/client/sessions/{id}/end"},
	{"POST", "/v1/client/sessions/{id}/remove"},
	{"POST", "/v1/me/email_addresses/{id}/prepare_verification"},
	{"POST", "/v1/me/email_addresses/{id}/attempt_verification"},
	{"DELETE", "/v1/me/email_addresses/{id}"},
	{"POST", "/v1/me/sessions/{id}/revoke"},
}

// assertClerk4xx checks a Clerk error envelope with a 4xx status.
func assertClerk4xx(t *testing.T, r *apitest.Response, want int) {
	t.Helper()
	if r.Status < 400 || r.Status > 499 || (want != 0 && r.Status != want) {
		t.Fatalf("status %d (want %d): %.300s", r.Status, want, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q: %.300s", ct, r.Body)
	}
	var env struct {
		Errors []struct {
			Code string         `json:"code"`
			Meta map[string]any `json:"meta"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(r.Body, &env); err != nil || len(env.Errors) == 0 || env.Errors[0].Code == "" {
		t.Fatalf("not a Clerk error envelope: %.300s", r.Body)
	}
}

func assertNoErrorLogs(t *testing.T, s *apitest.Server) {
	t.Helper()
	if errs := s.Logs.Errors(); len(errs) > 0 {
		t.Fatalf("server logged %d ERROR line(s), first: %s", len(errs), errs[0])
	}
}

// Every FAPI route with an ID in its path answers a malformed ID (NUL,
// invalid UTF-8, oversized) with 404 resource_not_found, as for an unknown
// ID, on both engines: no 500 and no ERROR log line (PostgreSQL used to
// refuse the NUL byte in the query and the request became a 500).
func TestFAPIMalformedPathIDs(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		b := s.NewBrowser()
		signUp(t, s, b, "ids+clerk_test@example.com")
		for _, rt := range fapiIDRoutes {
			for name, id := range badIDs {
				t.Run(rt.method+" "+rt.path+" "+name, func(t *testing.T) {
					path := strings.Replace(rt.path, "{id}", id, 1)
					var body url.Values
					if rt.method != "GET" {
						body = form("strategy", "email_code", "code", "000000", "password", "another pass 12")
					}
					r := b.Call(rt.method, path, body)
					assertClerk4xx(t, r, 404)
					if r.ErrorCode() != "resource_not_found" {
						t.Fatalf("code %q: %.300s", r.ErrorCode(), r.Body)
					}
				})
			}
			// A well-formed but unknown ID is a 4xx too (404 where the
			// route looks the ID up).
			r := b.Call(rt.method, strings.Replace(rt.path, "{id}", "sess_unknown0", 1), form("strategy", "email_code"))
			assertClerk4xx(t, r, 0)
		}
		assertNoErrorLogs(t, s)
	})
}

// Query strings and form/JSON bodies carrying a NUL byte or invalid UTF-8
// are refused with form_param_format_invalid naming the parameter, before
// any handler or query sees them.
func TestFAPIBadTextInQueryAndBody(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		b := s.NewBrowser()
		signUp(t, s, b, "text+clerk_test@example.com")
		raw := func(method, path, ct, body string) *apitest.Response {
			return s.Do(method, path, body, map[string]string{"Content-Type": ct, "Origin": s.URL, "Cookie": "__client=" + b.Cookie("__client")})
		}
		const formCT, jsonCT = "application/x-www-form-urlencoded", "application/json"
		cases := []struct {
			name, method, path, ct, body, param string
		}{
			{"query nul", "GET", "/v1/client?x=%00", "", "", "x"},
			{"query utf8", "GET", "/v1/client?_clerk_session_id=%ff", "", "", "_clerk_session_id"},
			{"query key nul", "GET", "/v1/environment?a%00b=1", "", "", "ab"},
			{"page query nul", "GET", "/sign-in/code?sia=%00", "", "", "sia"},
			{"me form nul", "PATCH", "/v1/me", formCT, "first_name=a%00b", "first_name"},
			{"me form utf8", "PATCH", "/v1/me", formCT, "last_name=%ff%fe", "last_name"},
			{"me json nul", "PATCH", "/v1/me", jsonCT, `{"first_name":"a\u0000b"}`, "first_name"},
			{"me json surrogate", "PATCH", "/v1/me", jsonCT, `{"first_name":"\ud800"}`, "first_name"},
			{"me json raw utf8", "PATCH", "/v1/me", jsonCT, "{\"first_name\":\"\xff\"}", "first_name"},
			{"sign-up form nul", "POST", "/v1/client/sign_ups", formCT, "email_address=a%00b%40example.com&password=x", "email_address"},
			{"sign-up json utf8", "POST", "/v1/client/sign_ups", jsonCT, "{\"first_name\":\"a\xc3\",\"email_address\":\"x@example.com\"}", "first_name"},
			{"sign-up metadata nul", "POST", "/v1/client/sign_ups", formCT, "email_address=m%40example.com&unsafe_metadata=" + url.QueryEscape(`{"a":"\u0000"}`), "unsafe_metadata"},
			{"sign-in identifier nul", "POST", "/v1/client/sign_ins", formCT, "identifier=%00", "identifier"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := raw(c.method, c.path, c.ct, c.body)
				if c.method == "PATCH" {
					r = raw("POST", c.path+"?_method=PATCH", c.ct, c.body)
				}
				assertClerk4xx(t, r, 422)
				var env struct {
					Errors []struct {
						Code string         `json:"code"`
						Meta map[string]any `json:"meta"`
					} `json:"errors"`
				}
				_ = json.Unmarshal(r.Body, &env)
				if e := env.Errors[0]; e.Code != "form_param_format_invalid" || e.Meta["param_name"] != c.param {
					t.Fatalf("got %s %v, want form_param_format_invalid on %s", e.Code, e.Meta, c.param)
				}
			})
		}
		// Sign-up applies the identifier character policy of the Backend
		// API (docs/backend-api.md): a homoglyph username or an address
		// with an invisible character is refused.
		for param, f := range map[string]url.Values{
			"username":      form("username", "\u0430dmin", "email_address", "h@example.com"),
			"email_address": form("email_address", "a\u200bb@example.com"),
		} {
			r := s.NewBrowser().Call("POST", "/v1/client/sign_ups", f)
			assertClerk4xx(t, r, 422)
			if r.ErrorCode() != "form_param_format_invalid" || !strings.Contains(string(r.Body), `"param_name":"`+param+`"`) {
				t.Fatalf("sign-up %s: %s", param, r.Body)
			}
		}
		assertNoErrorLogs(t, s)
	})
}
