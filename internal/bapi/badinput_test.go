package bapi_test

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
)

// Every bad input gets a Clerk-shaped 4xx: never a 500, never a panic.
func TestBadInputGivesClerkErrors(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	r := s.BAPI("POST", "/users", map[string]any{"email_address": []string{"existing@example.com"}})
	if r.Status != 200 {
		t.Fatalf("seed: %d %s", r.Status, r.Body)
	}
	id := r.Map(t)["id"].(string)
	auth := map[string]string{"Authorization": "Bearer " + s.SecretKey, "Content-Type": "application/json"}
	cases := []struct {
		name, method, path string
		body               any
		header             map[string]string
		status             int
		code               string
	}{
		{"no auth header", "GET", "/users", nil, map[string]string{}, 401, "authorization_header_format_invalid"},
		{"basic auth", "GET", "/users", nil, map[string]string{"Authorization": "Basic abc"}, 401, "authorization_header_format_invalid"},
		{"unknown key", "GET", "/users", nil, map[string]string{"Authorization": "Bearer sk_live_nope"}, 401, "clerk_key_invalid"},
		{"truncated key", "GET", "/users", nil, map[string]string{"Authorization": "Bearer " + s.SecretKey[:len(s.SecretKey)-1]}, 401, "clerk_key_invalid"},
		{"publishable key as secret", "GET", "/users", nil, map[string]string{"Authorization": "Bearer " + s.App.Instance.PublishableKey()}, 401, "clerk_key_invalid"},
		{"malformed json", "POST", "/users", `{"email_address": [`, auth, 400, "malformed_request"},
		{"json array body", "POST", "/users", `[1,2]`, auth, 400, "malformed_request"},
		{"trailing garbage", "POST", "/users", `{} {}`, auth, 400, "malformed_request"},
		{"wrong type", "POST", "/users", `{"first_name": 42}`, auth, 422, "form_param_format_invalid"},
		{"wrong nested type", "POST", "/users", `{"email_address": "a@b.test"}`, auth, 422, "form_param_format_invalid"},
		{"unknown field", "POST", "/users", `{"emial_address": ["a@b.test"]}`, auth, 422, "form_param_unknown"},
		{"bad email", "POST", "/users", `{"email_address": ["not-an-email"]}`, auth, 422, "form_param_format_invalid"},
		{"bad phone", "POST", "/users", `{"phone_number": ["12"]}`, auth, 422, "form_param_format_invalid"},
		{"short password", "POST", "/users", `{"email_address": ["p@b.test"], "password": "short"}`, auth, 422, "form_password_length_too_short"},
		{"long password", "POST", "/users", `{"email_address": ["p@b.test"], "password": "` + strings.Repeat("a", 300) + `"}`, auth, 422, "form_password_length_too_long"},
		{"short username", "POST", "/users", `{"username": "ab"}`, auth, 422, "form_username_invalid_length"},
		{"digest without hasher", "POST", "/users", `{"email_address": ["d@b.test"], "password_digest": "x"}`, auth, 422, "form_param_missing"},
		{"huge metadata", "POST", "/users", `{"public_metadata": {"a": "` + strings.Repeat("x", 9000) + `"}}`, auth, 422, "form_param_value_invalid"},
		{"oversized body", "POST", "/users", `{"first_name": "` + strings.Repeat("x", 1<<20+10) + `"}`, auth, 413, "request_body_too_large"},
		{"form content type", "POST", "/users", `email_address=a@b.test`, map[string]string{"Authorization": auth["Authorization"], "Content-Type": "application/x-www-form-urlencoded"}, 415, "unsupported_content_type"},
		{"limit zero", "GET", "/users?limit=0", nil, auth, 422, "form_param_format_invalid"},
		{"limit huge", "GET", "/users?limit=100000", nil, auth, 422, "form_param_format_invalid"},
		{"limit text", "GET", "/users?limit=ten", nil, auth, 422, "form_param_format_invalid"},
		{"negative offset", "GET", "/users?offset=-1", nil, auth, 422, "form_param_format_invalid"},
		{"bad order", "GET", "/users?order_by=password_digest", nil, auth, 422, "form_param_format_invalid"},
		{"bad banned", "GET", "/users?banned=maybe", nil, auth, 422, "form_param_format_invalid"},
		{"unknown user", "GET", "/users/user_nope", nil, auth, 404, "resource_not_found"},
		{"unknown user update", "PATCH", "/users/user_nope", `{"first_name":"x"}`, auth, 404, "resource_not_found"},
		{"unknown user metadata", "PATCH", "/users/user_nope/metadata", `{}`, auth, 404, "resource_not_found"},
		{"unknown user ban", "POST", "/users/user_nope/ban", nil, auth, 404, "resource_not_found"},
		{"unknown user delete", "DELETE", "/users/user_nope", nil, auth, 404, "resource_not_found"},
		{"verify without password", "POST", "/users/" + id + "/verify_password", `{}`, auth, 422, "form_param_missing"},
		{"verify user without password", "POST", "/users/" + id + "/verify_password", `{"password":"whatever1"}`, auth, 422, "no_password_set"},
		{"metadata not object", "PATCH", "/users/" + id + "/metadata", `{"public_metadata": [1]}`, auth, 422, "form_param_format_invalid"},
		{"primary email not owned", "PATCH", "/users/" + id, `{"primary_email_address_id": "idn_other"}`, auth, 422, "form_param_format_invalid"},
		{"unknown route", "GET", "/nope", nil, auth, 404, "resource_not_found"},
		{"wrong method", "PUT", "/users", `{}`, auth, 405, "method_not_allowed"},
		{"totp not supported", "POST", "/users", `{"totp_secret": "ABC"}`, auth, 422, "form_param_value_invalid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.Do(c.method, "/api/v1"+c.path, c.body, c.header)
			if r.Status != c.status || r.ErrorCode() != c.code {
				t.Fatalf("got %d %q, want %d %q: %.300s", r.Status, r.ErrorCode(), c.status, c.code, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type %q", ct)
			}
			var env struct {
				Errors []struct {
					Code, Message, LongMessage string
					Meta                       map[string]any
				} `json:"errors"`
				TraceID string `json:"clerk_trace_id"`
			}
			r.JSON(t, &env)
			if env.TraceID == "" || env.Errors[0].Message == "" || env.Errors[0].Meta == nil {
				t.Fatalf("incomplete envelope: %s", r.Body)
			}
		})
	}
	// Nothing half-written: the failed creates above left one user.
	if r := s.BAPI("GET", "/users/count", nil); r.Map(t)["total_count"].(float64) != 1 {
		t.Fatalf("failed requests wrote users: %s", r.Body)
	}
}

func TestBothAPIVersionHeadersAccepted(t *testing.T) {
	s := apitest.Start(t, apitest.SQLite)
	for _, v := range []string{"2025-04-10", "2026-05-12", ""} {
		r := s.Do("GET", "/api/v1/users", nil, map[string]string{"Authorization": "Bearer " + s.SecretKey, "Clerk-API-Version": v})
		if r.Status != 200 {
			t.Fatalf("Clerk-API-Version %q: %d %s", v, r.Status, r.Body)
		}
	}
}
