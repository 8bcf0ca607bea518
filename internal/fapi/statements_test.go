package fapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/store"
)

// counting serves requests in-process through the server's handler with a
// statement counter on each request's context, and keeps the last count.
type counting struct {
	h    http.Handler
	last store.Counts
}

func (c *counting) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, n := store.WithCounter(req.Context())
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req.WithContext(ctx))
	c.last = n.Counts()
	return rec.Result(), nil
}

// countingBrowser is a browser whose requests are counted.
func countingBrowser(s *apitest.Server) (*apitest.Browser, *counting) {
	b := s.NewBrowser()
	c := &counting{h: s.App.Handler()}
	b.Client.Transport = c
	return b, c
}

func responseID(t *testing.T, r *apitest.Response) (id, status, sid string) {
	t.Helper()
	var e struct {
		Response struct {
			ID               string `json:"id"`
			Status           string `json:"status"`
			CreatedSessionID string `json:"created_session_id"`
		} `json:"response"`
	}
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatal(err)
	}
	return e.Response.ID, e.Response.Status, e.Response.CreatedSessionID
}

// The statements and write transactions each hot request runs, logged per
// request kind (docs/performance.md), and the budgets of a password sign-in
// from a new browser (one read of the user, one write transaction), of the
// password attempt step and of GET /v1/client.
func TestStatementCounts(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		const pw = "statement count 1"
		const email = "counted+clerk_test@example.com"
		if r := s.BAPI("POST", "/users", map[string]any{"email_address": []string{email}, "password": pw}); r.Status != 200 {
			t.Fatalf("create user: %d %s", r.Status, r.Body)
		}
		logCount := func(kind string, c store.Counts) {
			t.Logf("%-40s %3d statements %d write tx", kind, c.Statements, c.WriteTxs)
		}

		// Password sign-in from a new browser, in one request.
		b, c := countingBrowser(s)
		_, status, sid := responseID(t, b.Call("POST", "/v1/client/sign_ins", form("identifier", email, "password", pw)))
		if status != "complete" || sid == "" {
			t.Fatalf("sign-in ended %q", status)
		}
		oneShot := c.last
		logCount("sign-in password (one request, new browser)", oneShot)

		// GET /v1/client and a token refresh on that browser.
		responseID(t, b.Call("GET", "/v1/client", nil))
		getClient := c.last
		logCount("GET /v1/client", getClient)
		if r := b.Call("POST", "/v1/client/sessions/"+sid+"/tokens", form("organization_id", "")); r.Status != 200 {
			t.Fatalf("refresh: %d %s", r.Status, r.Body)
		}
		logCount("token refresh", c.last)

		// The same in two requests, as clerk-js and the bench do.
		b, c = countingBrowser(s)
		id, _, _ := responseID(t, b.Call("POST", "/v1/client/sign_ins", form("identifier", email)))
		logCount("sign-in create (identifier, new browser)", c.last)
		responseID(t, b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", pw)))
		attempt := c.last
		logCount("sign-in attempt password", attempt)

		// Email code sign-in.
		b, c = countingBrowser(s)
		id, _, _ = responseID(t, b.Call("POST", "/v1/client/sign_ins", form("identifier", email)))
		responseID(t, b.Call("POST", "/v1/client/sign_ins/"+id+"/prepare_first_factor", form("strategy", "email_code")))
		logCount("sign-in prepare email_code", c.last)
		_, status, _ = responseID(t, b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "email_code", "code", "424242")))
		if status != "complete" {
			t.Fatalf("code sign-in ended %q", status)
		}
		logCount("sign-in attempt email_code", c.last)

		// Sign-up with an email code.
		b, c = countingBrowser(s)
		id, _, _ = responseID(t, b.Call("POST", "/v1/client/sign_ups", form("email_address", "new+clerk_test@example.com", "password", pw)))
		logCount("sign-up create (new browser)", c.last)
		responseID(t, b.Call("POST", "/v1/client/sign_ups/"+id+"/prepare_verification", form("strategy", "email_code")))
		logCount("sign-up prepare", c.last)
		_, status, _ = responseID(t, b.Call("POST", "/v1/client/sign_ups/"+id+"/attempt_verification", form("strategy", "email_code", "code", "424242")))
		if status != "complete" {
			t.Fatalf("sign-up ended %q", status)
		}
		logCount("sign-up attempt", c.last)

		for _, b := range []struct {
			kind           string
			got            store.Counts
			stmts, writeTx int64
		}{
			{"password sign-in from a new browser", oneShot, 7, 1},
			{"password attempt", attempt, 9, 1},
			{"GET /v1/client (signed in)", getClient, 1, 0},
		} {
			if b.got.Statements > b.stmts || b.got.WriteTxs != b.writeTx {
				t.Errorf("%s ran %d statements in %d write transactions; want <= %d in %d",
					b.kind, b.got.Statements, b.got.WriteTxs, b.stmts, b.writeTx)
			}
		}
	})
}
