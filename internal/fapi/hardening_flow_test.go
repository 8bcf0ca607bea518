package fapi_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
)

// factorIDs returns the email_address_id of each email factor a sign-in offers.
func factorIDs(e apitest.Envelope) (strategies []string, ids []string) {
	list, _ := e.Response["supported_first_factors"].([]any)
	for _, f := range list {
		m, _ := f.(map[string]any)
		st, _ := m["strategy"].(string)
		strategies = append(strategies, st)
		if id, _ := m["email_address_id"].(string); id != "" {
			ids = append(ids, id)
		}
	}
	return strategies, ids
}

// A full-width or otherwise NFKC-equivalent form of an address finds the
// account, so the factor list treats it as that address too: the same three
// factors an unknown address gets, never a shorter list that tells real from
// phantom.
func TestEnumerationFullWidthIdentifier(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		s.BAPI("POST", "/users", map[string]any{"email_address": []string{"ada@example.com"}, "password": "right password 1"})
		for _, ident := range []string{"ａｄａ@example.com", "ADA@EXAMPLE.COM", "ada@ｅｘａｍｐｌｅ.com", "nobody@example.com", "ｎｏｂｏｄｙ@example.com"} {
			e := s.NewBrowser().Call("POST", "/v1/client/sign_ins", form("identifier", ident)).Env(t)
			strategies, ids := factorIDs(e)
			if got := strings.Join(strategies, ","); got != "password,email_code,reset_password_email_code" {
				t.Errorf("%q: factors %s", ident, got)
			}
			if len(ids) != 2 || ids[0] != ids[1] {
				t.Errorf("%q: email factors name %v", ident, ids)
			}
		}
		// The full-width form signs in like the plain one.
		b := s.NewBrowser()
		e := b.Call("POST", "/v1/client/sign_ins", form("identifier", "ａｄａ@example.com", "password", "right password 1")).Env(t)
		if e.Response["status"] != "complete" {
			t.Fatalf("full-width sign-in: %v", e.Response)
		}
	})
}

// Ten parallel correct-password attempts on one sign-in complete it once:
// one session, one session.created webhook, one sign_in.succeeded audit
// event; the other requests get a 4xx and no session.
func TestSignInCompletesOnce(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		const pw = "right password 1"
		var u struct{ ID string }
		s.BAPI("POST", "/users", map[string]any{"email_address": []string{"once@example.com"}, "password": pw}).JSON(t, &u)
		s.AddEndpoint(apitest.NewReceiver(t), "session.created") // so session.created lands in the outbox
		b := s.NewBrowser()
		id := b.Call("POST", "/v1/client/sign_ins", form("identifier", "once@example.com")).Env(t).Response["id"].(string)

		res := parallel(10, func() *apitest.Response {
			return b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", pw))
		})
		for _, r := range res {
			if r.Status != 200 && strings.Contains(string(r.Body), "created_session_id\":\"sess_") {
				t.Errorf("a losing attempt names a session: %s", r.Body)
			}
		}
		exactlyOneWins(t, res, "attempts")
		assertOneSignIn(t, s, u.ID)
	})
}

// The same for parallel reset_password calls after a verified reset code.
func TestResetPasswordCompletesOnce(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		var u struct{ ID string }
		s.BAPI("POST", "/users", map[string]any{"email_address": []string{"reset-once@example.com"}, "password": "old password 1"}).JSON(t, &u)
		s.AddEndpoint(apitest.NewReceiver(t), "session.created")
		b := s.NewBrowser()
		id := b.Call("POST", "/v1/client/sign_ins", form("identifier", "reset-once@example.com", "strategy", "reset_password_email_code")).Env(t).Response["id"].(string)
		code := mailedCode(t, s, "reset-once@example.com")
		if e := b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "reset_password_email_code", "code", code)).Env(t); e.Response["status"] != "needs_new_password" {
			t.Fatalf("reset code: %v", e.Response)
		}
		res := parallel(6, func() *apitest.Response {
			return b.Call("POST", "/v1/client/sign_ins/"+id+"/reset_password", form("password", "new password 1"))
		})
		exactlyOneWins(t, res, "resets")
		assertOneSignIn(t, s, u.ID)
	})
}

// parallel runs call n times at once (released together) and returns the
// responses.
func parallel(n int, call func() *apitest.Response) []*apitest.Response {
	res := make([]*apitest.Response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res[i] = call()
		}()
	}
	close(start)
	wg.Wait()
	return res
}

// exactlyOneWins asserts one 200 among res and a 4xx for every other.
func exactlyOneWins(t *testing.T, res []*apitest.Response, what string) {
	t.Helper()
	won := 0
	for _, r := range res {
		switch {
		case r.Status == 200:
			won++
		case r.Status < 400 || r.Status >= 500:
			t.Errorf("a losing request answered %d %s (want a 4xx)", r.Status, r.Body)
		}
	}
	if won != 1 {
		t.Errorf("%d %s completed the sign-in; want exactly 1", won, what)
	}
}

// mailedCode returns the last code mailed to addr.
func mailedCode(t *testing.T, s *apitest.Server, addr string) string {
	t.Helper()
	m, ok := s.Mail.Last(addr)
	if !ok {
		t.Fatalf("no mail to %s", addr)
	}
	return m.Code
}

func assertOneSignIn(t *testing.T, s *apitest.Server, userID string) {
	t.Helper()
	ctx := context.Background()
	sessions, err := s.App.Store.Q().ListSessions(ctx, store.SessionFilter{UserID: userID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) != 1 {
		t.Errorf("%d sessions for the user; want 1", len(sessions))
	}
	msgs, err := s.App.Store.Q().MessagesSince(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	created := 0
	for _, m := range msgs {
		if m.EventType == "session.created" {
			created++
		}
	}
	if created != 1 {
		t.Errorf("%d session.created outbox rows; want 1", created)
	}
	evs, _, _ := auditList(t, s, "user_id="+userID+"&limit=500")
	if got := countTypes(evs)["sign_in.succeeded"]; got != 1 {
		t.Errorf("%d sign_in.succeeded audit events; want 1", got)
	}
}

// rawDB opens a second connection to the database behind s, for a test to
// change what the server will find there. It is closed when the test ends.
func rawDB(t *testing.T, s *apitest.Server) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if s.App.Store.Engine() == store.Postgres {
		db, err = sql.Open("pgx", s.App.Config.DatabaseURL)
	} else {
		db, err = sql.Open("sqlite", "file:"+filepath.Join(s.App.Config.DataDir, "gatehouse.db")+"?_pragma=busy_timeout(10000)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// breakUsers makes every read of the users table fail in the real database
// behind s: on PostgreSQL with SQLSTATE 57P03 (cannot_connect_now, what a
// server shutting down answers), on SQLite by taking the table away. Other
// tables keep working, so a sign-in's own row still loads.
func breakUsers(t *testing.T, s *apitest.Server) {
	t.Helper()
	db := rawDB(t, s)
	var stmts []string
	if s.App.Store.Engine() == store.Postgres {
		stmts = []string{
			"ALTER TABLE users RENAME TO users_real",
			`CREATE FUNCTION gh_users_down() RETURNS SETOF users_real LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'the database system is shutting down' USING ERRCODE = '57P03'; END $$`,
			"CREATE VIEW users AS SELECT * FROM gh_users_down()",
		}
	} else {
		stmts = []string{"ALTER TABLE users RENAME TO users_gone"}
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// A database error while a sign-in step loads the account propagates (503
// service_unavailable when the database cannot answer); it is never turned
// into form_identifier_not_found for a real account.
func TestSignInLookupErrorPropagates(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		s.BAPI("POST", "/users", map[string]any{"email_address": []string{"flaky@example.com"}, "password": "right password 1"})
		b := s.NewBrowser()
		id := b.Call("POST", "/v1/client/sign_ins", form("identifier", "flaky@example.com")).Env(t).Response["id"].(string)
		breakUsers(t, s)
		for _, c := range []struct {
			name string
			r    *apitest.Response
		}{
			{"attempt password", b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", "right password 1"))},
			{"prepare email code", b.Call("POST", "/v1/client/sign_ins/"+id+"/prepare_first_factor", form("strategy", "email_code"))},
			{"GET sign-in", b.Call("GET", "/v1/client/sign_ins/"+id, nil)},
			{"new sign-in", s.NewBrowser().Call("POST", "/v1/client/sign_ins", form("identifier", "flaky@example.com", "password", "right password 1"))},
		} {
			if c.r.ErrorCode() == "form_identifier_not_found" || c.r.Status < 500 {
				t.Errorf("%s with the users table failing: %d %s (want 5xx)", c.name, c.r.Status, c.r.Body)
			}
			if s.App.Store.Engine() == store.Postgres && (c.r.Status != 503 || c.r.ErrorCode() != "service_unavailable") {
				t.Errorf("%s with PostgreSQL refusing: %d %s (want 503 service_unavailable)", c.name, c.r.Status, c.r.Body)
			}
		}
	})
}

var reRealID = regexp.MustCompile(`^idn_[0-9A-Za-z]{27}$`)

// The email_address_id a sign-in shows for an address without an account
// is the same for every client asking (and across a restart), looks like a
// real identification id, and claims a creation time within the instance's
// lifetime — as a real account's id does.
func TestPhantomIdentificationIDs(t *testing.T) {
	dir := t.TempDir()
	var first map[string]string
	for round := range 2 { // the second round restarts the server on the same data directory
		s := apitest.StartConfig(t, apitest.SQLite, func(c *config.Config) { c.DataDir = dir })
		if round == 0 {
			s.BAPI("POST", "/users", map[string]any{"email_address": []string{"real@example.com"}, "password": "right password 1"})
		}
		ids := map[string]string{}
		for _, ident := range []string{"real@example.com", "ghost@example.com", "ｇｈｏｓｔ@example.com", "GHOST@example.com", "other@example.com"} {
			var seen []string
			for range 3 { // three fresh clients
				_, got := factorIDs(s.NewBrowser().Call("POST", "/v1/client/sign_ins", form("identifier", ident)).Env(t))
				if len(got) == 0 {
					t.Fatalf("%q: no email factor", ident)
				}
				seen = append(seen, got[0])
			}
			if seen[0] != seen[1] || seen[1] != seen[2] {
				t.Errorf("%q: email_address_id differs between clients: %v", ident, seen)
			}
			id := seen[0]
			if !reRealID.MatchString(id) {
				t.Errorf("%q: email_address_id %q is not shaped like a real one", ident, id)
			}
			sec, ok := gatehouse.IDTime(gatehouse.PrefixIdentification, id)
			created := s.App.Instance.CreatedAt() / 1000
			if !ok || int64(sec) < created || int64(sec) > time.Now().Unix() {
				t.Errorf("%q: id %s claims second %d, outside the instance's lifetime [%d, now]", ident, id, sec, created)
			}
			ids[ident] = id
		}
		if ids["ghost@example.com"] != ids["ｇｈｏｓｔ@example.com"] || ids["ghost@example.com"] != ids["GHOST@example.com"] {
			t.Errorf("forms of one address get different ids: %v", ids)
		}
		if ids["ghost@example.com"] == ids["other@example.com"] || ids["ghost@example.com"] == ids["real@example.com"] {
			t.Errorf("different addresses share an id: %v", ids)
		}
		if round == 0 {
			first = ids
		} else if ids["ghost@example.com"] != first["ghost@example.com"] || ids["real@example.com"] != first["real@example.com"] {
			t.Errorf("ids changed across a restart: before %v, after %v", first, ids)
		}
		s.App.Close()
	}
}

// Reset-code guesses are bounded per account across codes: on a locked
// account the owner can still reset, but requesting code after code buys an
// attacker no more than the lockout budget of guesses (10 per window);
// beyond it guesses are refused unevaluated (even the right code) and no new
// code is sent, until the window ends or a reset completes.
func TestResetGuessesBudgetedPerAccount(t *testing.T) {
	apitest.Each(t, func(t *testing.T, s *apitest.Server) {
		const addr = "budget@example.com"
		var u struct{ ID string }
		s.BAPI("POST", "/users", map[string]any{"email_address": []string{addr}, "password": "right password 1"}).JSON(t, &u)
		lock := func() {
			b := s.NewBrowser()
			id := b.Call("POST", "/v1/client/sign_ins", form("identifier", addr)).Env(t).Response["id"].(string)
			for range 10 {
				b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", "wrong guess 1"))
			}
			if r := b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "password", "password", "right password 1")); r.ErrorCode() != "user_locked" {
				t.Fatalf("account not locked: %d %s", r.Status, r.Body)
			}
		}
		// startReset opens a sign-in and asks for a reset code; it returns the
		// browser, the sign-in id, the code mailed and the prepare answer.
		startReset := func() (*apitest.Browser, string, string, *apitest.Response) {
			b := s.NewBrowser()
			id := b.Call("POST", "/v1/client/sign_ins", form("identifier", addr)).Env(t).Response["id"].(string)
			before := s.Mail.Count()
			r := b.Call("POST", "/v1/client/sign_ins/"+id+"/prepare_first_factor", form("strategy", "reset_password_email_code"))
			code := ""
			if s.Mail.Count() > before {
				code = mailedCode(t, s, addr)
			}
			return b, id, code, r
		}
		reset := func(b *apitest.Browser, id, code, pw string) {
			t.Helper()
			if e := b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "reset_password_email_code", "code", code)).Env(t); e.Response["status"] != "needs_new_password" {
				t.Fatalf("reset code: %v", e.Response)
			}
			if e := b.Call("POST", "/v1/client/sign_ins/"+id+"/reset_password", form("password", pw)).Env(t); e.Response["status"] != "complete" {
				t.Fatalf("reset: %v", e.Response)
			}
		}

		// Locked, the owner still resets.
		lock()
		b, id, code, r := startReset()
		if r.Status != 200 || code == "" {
			t.Fatalf("prepare reset on a locked account: %d %s", r.Status, r.Body)
		}
		reset(b, id, code, "owner password 2")

		// The attacker locks the account again, keeps a live code in reserve
		// (to show that even the right code is refused once the budget is
		// spent) and requests code after code.
		lock()
		rb, rid, rcode, _ := startReset()
		evaluated, refused := 0, 0
		for range 5 {
			b, id, code, r := startReset()
			if r.Status != 200 {
				if r.Status != 403 || r.ErrorCode() != "user_locked" {
					t.Fatalf("prepare reset over budget: %d %s", r.Status, r.Body)
				}
				refused++
				continue
			}
			for g := range 5 {
				guess := fmt.Sprintf("%06d", g)
				if guess == code {
					guess = "999999"
				}
				r := b.Call("POST", "/v1/client/sign_ins/"+id+"/attempt_first_factor", form("strategy", "reset_password_email_code", "code", guess))
				switch r.ErrorCode() {
				case "form_code_incorrect":
					evaluated++
				case "user_locked":
					if _, ok := r.Map(t)["errors"].([]any)[0].(map[string]any)["meta"].(map[string]any)["lockout_expires_in_seconds"]; !ok || r.Status != 403 {
						t.Fatalf("refused guess: %d %s", r.Status, r.Body)
					}
					refused++
				default:
					t.Fatalf("guess: %d %s", r.Status, r.Body)
				}
			}
		}
		if evaluated != 10 {
			t.Errorf("%d reset-code guesses were evaluated across new codes on a locked account; want the budget, 10", evaluated)
		}
		if refused == 0 {
			t.Error("no guess or new code was refused")
		}
		if r := rb.Call("POST", "/v1/client/sign_ins/"+rid+"/attempt_first_factor", form("strategy", "reset_password_email_code", "code", rcode)); r.Status != 403 || r.ErrorCode() != "user_locked" {
			t.Errorf("the right code over budget: %d %s (want 403 user_locked, unevaluated)", r.Status, r.Body)
		}

		// When the window ends (moved into the past here), the owner resets.
		if _, err := rawDB(t, s).Exec(rebind(s, "UPDATE users SET reset_window_until = 1 WHERE id = ?"), u.ID); err != nil {
			t.Fatal(err)
		}
		b, id, code, r = startReset()
		if r.Status != 200 || code == "" {
			t.Fatalf("prepare reset after the window: %d %s", r.Status, r.Body)
		}
		reset(b, id, code, "owner password 3")
	})
}

// rebind turns ? placeholders into PostgreSQL's $n when s runs on it.
func rebind(s *apitest.Server, q string) string {
	if s.App.Store.Engine() != store.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}
