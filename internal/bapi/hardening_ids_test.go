package bapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
)

// bapiIDRoutes is every Backend API route with an {id} path parameter.
var bapiIDRoutes = []struct{ method, path, body string }{
	{"GET", "/users/{id}", ""},
	{"PATCH", "/users/{id}", `{"first_name":"x"}`},
	{"DELETE", "/users/{id}", ""},
	{"PATCH", "/users/{id}/metadata", `{}`},
	{"PUT", "/users/{id}/metadata", `{}`},
	{"POST", "/users/{id}/ban", ""},
	{"POST", "/users/{id}/unban", ""},
	{"POST", "/users/{id}/lock", ""},
	{"POST", "/users/{id}/unlock", ""},
	{"POST", "/users/{id}/verify_password", `{"password":"whatever1"}`},
	{"GET", "/sessions/{id}", ""},
	{"POST", "/sessions/{id}/revoke", ""},
	{"POST", "/sessions/{id}/tokens", ""},
	{"GET", "/webhooks/endpoints/{id}", ""},
	{"PATCH", "/webhooks/endpoints/{id}", `{}`},
	{"DELETE", "/webhooks/endpoints/{id}", ""},
	{"GET", "/webhooks/endpoints/{id}/secret", ""},
	{"POST", "/webhooks/endpoints/{id}/rotate_secret", ""},
	{"POST", "/webhooks/endpoints/{id}/disable", ""},
	{"POST", "/webhooks/endpoints/{id}/enable", ""},
	{"POST", "/webhooks/endpoints/{id}/replay", `{"since":0}`},
	{"POST", "/webhooks/messages/{id}/replay", `{}`},
}

var badIDs = map[string]string{
	"nul":          "%00",
	"nul in id":    "user_abc%00def",
	"invalid utf8": "%ff",
	"utf8 in id":   "user_abc%ffdef",
	"300 chars":    strings.Repeat("a", 300),
	"300 char id":  "user_" + strings.Repeat("A", 300),
}

// badFilters are query strings every list filter must refuse with 422
// form_param_format_invalid naming the parameter.
var badFilterValues = map[string]string{
	"nul":          "%00",
	"nul inside":   "a%00b",
	"invalid utf8": "%ff",
	"300 chars":    strings.Repeat("a", 300),
}

type envelope struct {
	Errors []struct {
		Code string         `json:"code"`
		Meta map[string]any `json:"meta"`
	} `json:"errors"`
}

func clerkError(t *testing.T, r *apitest.Response, status int) envelope {
	t.Helper()
	var env envelope
	if r.Status != status || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(r.Body, &env) != nil || len(env.Errors) == 0 {
		t.Fatalf("want a %d Clerk error envelope, got %d %q: %.300s", status, r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	return env
}

func noErrorLogs(t *testing.T, s *apitest.Server) {
	t.Helper()
	if errs := s.Logs.Errors(); len(errs) > 0 {
		t.Fatalf("server logged %d ERROR line(s), first: %s", len(errs), errs[0])
	}
}

// Malformed IDs in the path are 404 resource_not_found (as unknown IDs
// are), malformed filter values 422 form_param_format_invalid with
// meta.param_name, on both engines, with no ERROR log line: PostgreSQL used
// to refuse the NUL byte or invalid UTF-8 in the query and answer 500.
func TestBAPIMalformedIDsAndFilters(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		if r := s.BAPI("POST", "/users", map[string]any{"email_address": []string{"seed@example.com"}}); r.Status != 200 {
			t.Fatalf("seed: %d %s", r.Status, r.Body)
		}
		auth := map[string]string{"Authorization": "Bearer " + s.SecretKey}
		for _, rt := range bapiIDRoutes {
			for name, id := range badIDs {
				t.Run(rt.method+" "+rt.path+" "+name, func(t *testing.T) {
					var body any
					if rt.body != "" {
						body = rt.body
					}
					r := s.Do(rt.method, "/api/v1"+strings.Replace(rt.path, "{id}", id, 1), body, auth)
					if env := clerkError(t, r, 404); env.Errors[0].Code != "resource_not_found" {
						t.Fatalf("code %s", env.Errors[0].Code)
					}
				})
			}
		}
		filters := []struct{ path, param string }{
			{"/users?user_id=", "user_id"},
			{"/users?user_id[]=", "user_id"},
			{"/users/count?user_id=", "user_id"},
			{"/users?external_id=", "external_id"},
			{"/users?email_address=", "email_address"},
			{"/users/count?email_address=", "email_address"},
			{"/users?phone_number=", "phone_number"},
			{"/users?username=", "username"},
			{"/users?query=", "query"},
			{"/users?order_by=", "order_by"},
			{"/sessions?user_id=", "user_id"},
			{"/sessions?client_id=", "client_id"},
			{"/audit_events?user_id=", "user_id"},
			{"/webhooks/attempts?endpoint_id=", "endpoint_id"},
			{"/webhooks/attempts?message_id=", "message_id"},
		}
		for _, f := range filters {
			for name, v := range badFilterValues {
				t.Run(f.path+" "+name, func(t *testing.T) {
					env := clerkError(t, s.BAPI("GET", f.path+v, nil), 422)
					if e := env.Errors[0]; e.Code != "form_param_format_invalid" || e.Meta["param_name"] != f.param {
						t.Fatalf("got %s %v, want form_param_format_invalid on %s", e.Code, e.Meta, f.param)
					}
				})
			}
		}
		// An ID filter that is not a user ID at all is refused too; a
		// well-formed one that names nobody matches nothing.
		clerkError(t, s.BAPI("GET", "/users?user_id=sess_abc", nil), 422)
		if r := s.BAPI("GET", "/users?user_id=user_nobody", nil); r.Status != 200 || strings.TrimSpace(string(r.Body)) != "[]" {
			t.Fatalf("unknown user_id: %d %s", r.Status, r.Body)
		}
		// Text that is not an address or number matches nothing: an empty
		// result, not a query for a placeholder.
		for _, q := range []string{"/users?email_address=not-an-email", "/users?phone_number=123", "/users?email_address=not-an-email&phone_number=%2B15555550100"} {
			if r := s.BAPI("GET", q, nil); r.Status != 200 || strings.TrimSpace(string(r.Body)) != "[]" {
				t.Fatalf("%s: %d %s", q, r.Status, r.Body)
			}
		}
		if r := s.BAPI("GET", "/users/count?email_address=not-an-email", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"total_count":0`) {
			t.Fatalf("count: %d %s", r.Status, r.Body)
		}
		// A bad value beside a good one in the same field is dropped: the
		// good one still matches (values are ORed).
		if r := s.BAPI("GET", "/users?email_address=not-an-email&email_address=seed@example.com", nil); r.Status != 200 || !strings.Contains(string(r.Body), "seed@example.com") {
			t.Fatalf("mixed: %d %s", r.Status, r.Body)
		}
		noErrorLogs(t, s)
	})
}

// JSON bodies whose strings hold NUL (\u0000), invalid UTF-8 (raw or as a
// lone surrogate escape) are refused with form_param_format_invalid naming
// the top-level member, at any depth (metadata included), and a body that
// is not a JSON object (null) is malformed.
func TestBAPIBadTextInJSONBody(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		r := s.BAPI("POST", "/users", map[string]any{"email_address": []string{"body@example.com"}})
		if r.Status != 200 {
			t.Fatalf("seed: %d %s", r.Status, r.Body)
		}
		id := r.Map(t)["id"].(string)
		cases := []struct{ name, method, path, body, param string }{
			{"external_id nul", "POST", "/users", `{"external_id":"ext\u0000"}`, "external_id"},
			{"first_name invalid utf8", "POST", "/users", "{\"first_name\":\"a\xff\"}", "first_name"},
			{"last_name surrogate", "POST", "/users", `{"last_name":"\udc00"}`, "last_name"},
			{"high surrogate alone", "POST", "/users", `{"last_name":"\ud83dx"}`, "last_name"},
			{"email nul", "POST", "/users", `{"email_address":["a\u0000@example.com"]}`, "email_address"},
			{"username utf8", "POST", "/users", "{\"username\":\"ab\xc0cd\"}", "username"},
			{"metadata value nul", "POST", "/users", `{"public_metadata":{"a":{"b":["\u0000"]}}}`, "public_metadata"},
			{"metadata key utf8", "POST", "/users", "{\"private_metadata\":{\"\xfe\":1}}", "private_metadata"},
			{"update external_id nul", "PATCH", "/users/" + id, `{"external_id":"\u0000"}`, "external_id"},
			{"merge metadata nul", "PATCH", "/users/" + id + "/metadata", `{"unsafe_metadata":{"k":"\u0000"}}`, "unsafe_metadata"},
			{"password nul", "POST", "/users/" + id + "/verify_password", `{"password":"pass\u0000word"}`, "password"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				env := clerkError(t, s.BAPI(c.method, c.path, c.body), 422)
				if e := env.Errors[0]; e.Code != "form_param_format_invalid" || e.Meta["param_name"] != c.param {
					t.Fatalf("got %s %v, want form_param_format_invalid on %s", e.Code, e.Meta, c.param)
				}
			})
		}
		// A surrogate pair is fine text (U+1F600).
		if r := s.BAPI("PATCH", "/users/"+id, `{"first_name":"\ud83d\ude00"}`); r.Status != 200 || !strings.Contains(string(r.Body), "\U0001F600") {
			t.Fatalf("surrogate pair: %d %s", r.Status, r.Body)
		}
		for _, body := range []string{"null", " null ", "true", `"x"`, "1"} {
			if env := clerkError(t, s.BAPI("POST", "/users", body), 400); env.Errors[0].Code != "malformed_request" {
				t.Fatalf("%s: %s", body, env.Errors[0].Code)
			}
		}
		if r := s.BAPI("GET", "/users/count", nil); !strings.Contains(string(r.Body), `"total_count":1`) {
			t.Fatalf("a refused create wrote a user: %s", r.Body)
		}
		noErrorLogs(t, s)
	})
}
