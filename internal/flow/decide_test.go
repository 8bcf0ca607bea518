package flow

import (
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
)

// The pure decisions of the sign-in steps, without HTTP or SQL: every
// strategy × state × outcome.

var decideNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func code(err error) string {
	if err == nil {
		return ""
	}
	if ge, ok := gatehouse.AsError(err); ok {
		return string(ge.Code)
	}
	return err.Error()
}

func testUser(mut func(u *gatehouse.User)) *gatehouse.User {
	u := &gatehouse.User{ID: "user_1", PasswordDigest: "$argon2id$digest"}
	if mut != nil {
		mut(u)
	}
	return u
}

func testSignIn(mut func(si *SignIn)) SignIn {
	si := SignIn{ID: "sia_1", ClientID: "client_1", Status: NeedsFirstFactor, Identifier: "a@example.com", UserID: "user_1", Protected: true}
	if mut != nil {
		mut(&si)
	}
	return si
}

func TestDecidePassword(t *testing.T) {
	lockedUntil := decideNow.Add(10 * time.Minute).UnixMilli()
	expiredLock := decideNow.Add(-time.Minute).UnixMilli()
	tests := []struct {
		name        string
		si          SignIn
		user        *gatehouse.User
		password    string
		ok, rehash  bool
		check       passwordCheck // the plan expected
		err         string
		complete    bool
		rehashSaved bool
		failure     bool // counted toward the lockout, with the lock error
		auditNone   bool // sign_in.failed without an account
	}{
		{name: "correct", si: testSignIn(nil), user: testUser(nil), password: "pw", ok: true, check: checkReal, complete: true},
		{name: "correct, outdated digest", si: testSignIn(nil), user: testUser(nil), password: "pw", ok: true, rehash: true, check: checkReal, complete: true, rehashSaved: true},
		{name: "wrong", si: testSignIn(nil), user: testUser(nil), password: "pw", check: checkReal, err: string(gatehouse.CodePasswordIncorrect), failure: true},
		{name: "missing", si: testSignIn(nil), user: testUser(nil), check: checkNone, err: string(gatehouse.CodeParamMissing)},
		{name: "banned", si: testSignIn(nil), user: testUser(func(u *gatehouse.User) { u.Banned = true }), password: "pw", check: checkNone, err: string(gatehouse.CodeUserBanned)},
		{name: "locked", si: testSignIn(nil), user: testUser(func(u *gatehouse.User) { u.Locked, u.LockoutUntil = true, &lockedUntil }), password: "pw", check: checkNone, err: string(gatehouse.CodeUserLocked)},
		{name: "locked without end", si: testSignIn(nil), user: testUser(func(u *gatehouse.User) { u.Locked = true }), password: "pw", check: checkNone, err: string(gatehouse.CodeUserLocked)},
		{name: "lock expired", si: testSignIn(nil), user: testUser(func(u *gatehouse.User) { u.Locked, u.LockoutUntil = true, &expiredLock }), password: "pw", ok: true, check: checkReal, complete: true},
		{name: "account deleted", si: testSignIn(nil), password: "pw", check: checkNone, err: string(gatehouse.CodeIdentifierNotFound)},
		{name: "phantom", si: testSignIn(func(si *SignIn) { si.Phantom, si.UserID = true, "" }), user: &gatehouse.User{}, password: "pw", check: checkDummy, err: string(gatehouse.CodePasswordIncorrect), auditNone: true},
		{name: "phantom, verifier says ok", si: testSignIn(func(si *SignIn) { si.Phantom, si.UserID = true, "" }), user: &gatehouse.User{}, password: "pw", ok: true, check: checkDummy, err: string(gatehouse.CodePasswordIncorrect), auditNone: true},
		{name: "no password, protected", si: testSignIn(nil), user: testUser(func(u *gatehouse.User) { u.PasswordDigest = "" }), password: "pw", check: checkDummy, err: string(gatehouse.CodePasswordIncorrect), failure: true},
		{name: "no password, enumeration allowed", si: testSignIn(func(si *SignIn) { si.Protected = false }), user: testUser(func(u *gatehouse.User) { u.PasswordDigest = "" }), password: "pw", check: checkNone, err: "strategy_for_user_invalid"},
		{name: "already complete", si: testSignIn(func(si *SignIn) { si.Status = Complete }), user: testUser(nil), password: "pw", check: checkNone, err: "sign_in_status_invalid"},
		{name: "needs new password", si: testSignIn(func(si *SignIn) { si.Status = NeedsNewPassword }), user: testUser(nil), password: "pw", check: checkNone, err: "sign_in_status_invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := PasswordInput{SignIn: tc.si, User: tc.user, Password: tc.password, Now: decideNow}
			check, perr := planPassword(in)
			if check != tc.check {
				t.Fatalf("plan %v (%v), want %v", check, perr, tc.check)
			}
			d := decidePassword(in, check, tc.ok, tc.rehash)
			if code(d.Err) != tc.err {
				t.Fatalf("error %q, want %q", code(d.Err), tc.err)
			}
			if d.Complete != tc.complete || d.Rehash != tc.rehashSaved {
				t.Fatalf("complete %v rehash %v, want %v %v", d.Complete, d.Rehash, tc.complete, tc.rehashSaved)
			}
			if d.Complete && (d.SignIn == nil || d.SignIn.FirstFactor.Status != gatehouse.VerificationVerified || d.SignIn.FirstFactor.Strategy != StrategyPassword) {
				t.Fatalf("completion without a verified password factor: %+v", d.SignIn)
			}
			if !d.Complete && d.SignIn != nil {
				t.Fatalf("a refused password changed the attempt: %+v", d.SignIn)
			}
			if got := d.Failure != nil && d.Failure.LockErr && d.Failure.UserID == "user_1"; got != tc.failure {
				t.Fatalf("failure %+v, want counted %v", d.Failure, tc.failure)
			}
			none := len(d.Audit) == 1 && d.Audit[0].Type == audit.SignInFailed && d.Audit[0].Data["account"] == "none"
			if none != tc.auditNone {
				t.Fatalf("audit %+v, want account-none failure %v", d.Audit, tc.auditNone)
			}
			if tc.si.Phantom && (d.Complete || d.Failure != nil) {
				t.Fatal("a phantom completed or counted a failure")
			}
		})
	}
}

func TestDecideCode(t *testing.T) {
	now := decideNow.UnixMilli()
	row := func(mut func(r *store.CodeRow)) *store.CodeRow {
		r := &store.CodeRow{ID: "code_1", OwnerID: "sia_1", CodeHash: codeHash("sia_1", "123456"), MaxAttempts: CodeMaxAttempts, ExpireAt: now + 60_000}
		if mut != nil {
			mut(r)
		}
		return r
	}
	prepared := func(strategy string) func(si *SignIn) {
		return func(si *SignIn) {
			si.FirstFactor = &Verification{Strategy: strategy, Status: gatehouse.VerificationUnverified, Attempts: 1}
		}
	}
	phantom := func(strategy string) func(si *SignIn) {
		return func(si *SignIn) { prepared(strategy)(si); si.Phantom, si.UserID = true, "" }
	}
	consumed := now - 1000
	lockedUntil := decideNow.Add(time.Hour).UnixMilli()
	locked := testUser(func(u *gatehouse.User) { u.Locked, u.LockoutUntil = true, &lockedUntil })
	banned := testUser(func(u *gatehouse.User) { u.Banned = true })
	tests := []struct {
		name     string
		strategy string
		si       SignIn
		user     *gatehouse.User
		code     string
		row      *store.CodeRow
		err      string
		status   string // the attempt's next status ("" : not written)
		complete bool
		consume  bool
		spend    bool
		budget   bool // spends the reset-guess budget
		failure  int  // 0 none, 1 counted without lock error, 2 with
	}{
		{name: "sign-in code correct", strategy: StrategyEmailCode, si: testSignIn(prepared(StrategyEmailCode)), user: testUser(nil), code: "123456", row: row(nil), status: NeedsFirstFactor, complete: true, consume: true, spend: true},
		{name: "sign-in code wrong", strategy: StrategyEmailCode, si: testSignIn(prepared(StrategyEmailCode)), user: testUser(nil), code: "654321", row: row(nil), err: "form_code_incorrect", status: NeedsFirstFactor, spend: true, failure: 2},
		{name: "sign-in code short", strategy: StrategyEmailCode, si: testSignIn(prepared(StrategyEmailCode)), user: testUser(nil), code: "12345", row: row(nil), err: "form_code_incorrect", status: NeedsFirstFactor, spend: true, failure: 2},
		{name: "sign-in code missing", strategy: StrategyEmailCode, si: testSignIn(prepared(StrategyEmailCode)), user: testUser(nil), row: row(nil), err: string(gatehouse.CodeParamMissing)},
		{name: "sign-in code expired", strategy: StrategyEmailCode, si: testSignIn(prepared(StrategyEmailCode)), user: testUser(nil), code: "123456", row: row(func(r *store.CodeRow) { r.ExpireAt = now }), err: "verification_expired"},
		{name: "sign-in code reused", strategy: StrategyEmailCode, si: testSignIn(prepared(StrategyEmailCode)), user: testUser(nil), code: "123456", row: row(func(r *store.CodeRow) { r.ConsumedAt = &consumed }), err: "verification_already_verified"},
		{name: "sign-in code too many attempts", strategy: StrategyEmailCode, si: testSignIn(prepared(StrategyEmailCode)), user: testUser(nil), code: "123456", row: row(func(r *store.CodeRow) { r.Attempts = CodeMaxAttempts }), err: "verification_failed"},
		{name: "sign-in code never sent", strategy: StrategyEmailCode, si: testSignIn(prepared(StrategyEmailCode)), user: testUser(nil), code: "123456", err: "verification_missing"},
		{name: "sign-in code not prepared", strategy: StrategyEmailCode, si: testSignIn(nil), user: testUser(nil), code: "123456", row: row(nil), err: "verification_missing"},
		{name: "sign-in code prepared for reset", strategy: StrategyEmailCode, si: testSignIn(prepared(StrategyResetEmailCode)), user: testUser(nil), code: "123456", row: row(nil), err: "verification_missing"},
		{name: "sign-in code locked", strategy: StrategyEmailCode, si: testSignIn(prepared(StrategyEmailCode)), user: locked, code: "123456", row: row(nil), err: string(gatehouse.CodeUserLocked)},
		{name: "sign-in code banned", strategy: StrategyEmailCode, si: testSignIn(prepared(StrategyEmailCode)), user: banned, code: "123456", row: row(nil), err: string(gatehouse.CodeUserBanned)},
		{name: "sign-in code account deleted", strategy: StrategyEmailCode, si: testSignIn(prepared(StrategyEmailCode)), code: "123456", row: row(nil), err: string(gatehouse.CodeIdentifierNotFound)},
		{name: "sign-in code wrong status", strategy: StrategyEmailCode, si: testSignIn(func(si *SignIn) { prepared(StrategyEmailCode)(si); si.Status = Complete }), user: testUser(nil), code: "123456", row: row(nil), err: "sign_in_status_invalid"},
		{name: "sign-in code phantom, right digits", strategy: StrategyEmailCode, si: testSignIn(phantom(StrategyEmailCode)), user: &gatehouse.User{}, code: "123456", row: row(nil), err: "form_code_incorrect", status: NeedsFirstFactor, spend: true},
		{name: "sign-in code phantom, wrong", strategy: StrategyEmailCode, si: testSignIn(phantom(StrategyEmailCode)), user: &gatehouse.User{}, code: "000000", row: row(nil), err: "form_code_incorrect", status: NeedsFirstFactor, spend: true},
		{name: "reset code correct", strategy: StrategyResetEmailCode, si: testSignIn(prepared(StrategyResetEmailCode)), user: testUser(nil), code: "123456", row: row(nil), status: NeedsNewPassword, consume: true, spend: true, budget: true},
		{name: "reset code correct while locked", strategy: StrategyResetEmailCode, si: testSignIn(prepared(StrategyResetEmailCode)), user: locked, code: "123456", row: row(nil), status: NeedsNewPassword, consume: true, spend: true, budget: true},
		{name: "reset code wrong", strategy: StrategyResetEmailCode, si: testSignIn(prepared(StrategyResetEmailCode)), user: testUser(nil), code: "000000", row: row(nil), err: "form_code_incorrect", status: NeedsFirstFactor, spend: true, budget: true, failure: 1},
		{name: "reset code banned", strategy: StrategyResetEmailCode, si: testSignIn(prepared(StrategyResetEmailCode)), user: banned, code: "123456", row: row(nil), err: string(gatehouse.CodeUserBanned)},
		{name: "reset code expired", strategy: StrategyResetEmailCode, si: testSignIn(prepared(StrategyResetEmailCode)), user: testUser(nil), code: "123456", row: row(func(r *store.CodeRow) { r.ExpireAt = now - 1 }), err: "verification_expired"},
		{name: "reset code phantom", strategy: StrategyResetEmailCode, si: testSignIn(phantom(StrategyResetEmailCode)), user: &gatehouse.User{}, code: "123456", row: row(nil), err: "form_code_incorrect", status: NeedsFirstFactor, spend: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := decideCode(CodeInput{SignIn: tc.si, User: tc.user, Strategy: tc.strategy, Code: tc.code, Row: tc.row, Now: decideNow})
			if code(d.Err) != tc.err {
				t.Fatalf("error %q, want %q", code(d.Err), tc.err)
			}
			status := ""
			if d.SignIn != nil {
				status = d.SignIn.Status
				if d.SignIn.FirstFactor.Attempts != tc.si.FirstFactor.Attempts+1 {
					t.Fatalf("attempts %d, want %d", d.SignIn.FirstFactor.Attempts, tc.si.FirstFactor.Attempts+1)
				}
				if tc.si.FirstFactor.Attempts != 1 {
					t.Fatal("the decision changed its input")
				}
			}
			if status != tc.status || d.Complete != tc.complete {
				t.Fatalf("status %q complete %v, want %q %v", status, d.Complete, tc.status, tc.complete)
			}
			spend, consume, budget := d.Code != nil, d.Code != nil && d.Code.Consume, d.Code != nil && d.Code.ResetBudget == "user_1"
			if spend != tc.spend || consume != tc.consume || budget != tc.budget {
				t.Fatalf("code use %+v, want spend %v consume %v budget %v", d.Code, tc.spend, tc.consume, tc.budget)
			}
			failure := 0
			if d.Failure != nil {
				failure = 1
				if d.Failure.LockErr {
					failure = 2
				}
			}
			if failure != tc.failure {
				t.Fatalf("failure %+v, want %d", d.Failure, tc.failure)
			}
			if consume && d.SignIn.FirstFactor.Status != gatehouse.VerificationVerified {
				t.Fatal("a consumed code left the factor unverified")
			}
			if tc.si.Phantom && (d.Complete || consume || len(d.Audit) != 1) {
				t.Fatalf("phantom decision %+v", d)
			}
		})
	}
}

// A decision is a value: the same input gives the same decision, and
// deciding never touches the database (a nil engine would panic).
func TestDecisionsArePure(t *testing.T) {
	in := PasswordInput{SignIn: testSignIn(nil), User: testUser(nil), Password: "pw", Now: decideNow}
	a, b := decidePassword(in, checkReal, true, false), decidePassword(in, checkReal, true, false)
	if a.Complete != b.Complete || a.SignIn.ID != b.SignIn.ID || !errors.Is(a.Err, b.Err) {
		t.Fatal("two decisions on one input differ")
	}
	if in.SignIn.FirstFactor != nil {
		t.Fatal("deciding changed the input attempt")
	}
}
