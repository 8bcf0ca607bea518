package flow

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
)

func TestDecideSignUpCode(t *testing.T) {
	now := decideNow.UnixMilli()
	row := func(mut func(r *store.CodeRow)) *store.CodeRow {
		r := &store.CodeRow{ID: "code_1", OwnerID: "sua_1", CodeHash: codeHash("sua_1", "123456"), MaxAttempts: CodeMaxAttempts, ExpireAt: now + 60_000}
		if mut != nil {
			mut(r)
		}
		return r
	}
	signUp := func(mut func(su *SignUp)) SignUp {
		su := SignUp{ID: "sua_1", Status: MissingRequirements, EmailAddress: "a@example.com", PasswordDigest: "d",
			EmailVerification: &Verification{Strategy: StrategyEmailCode, Status: gatehouse.VerificationUnverified}}
		if mut != nil {
			mut(&su)
		}
		return su
	}
	consumed := now
	tests := []struct {
		name                    string
		su                      SignUp
		strategy, code          string
		row                     *store.CodeRow
		err                     string
		written, spend, consume bool
		complete                bool
	}{
		{name: "correct", su: signUp(nil), strategy: StrategyEmailCode, code: "123456", row: row(nil), written: true, spend: true, consume: true, complete: true},
		{name: "correct, password missing", su: signUp(func(su *SignUp) { su.PasswordDigest = "" }), strategy: StrategyEmailCode, code: "123456", row: row(nil), written: true, spend: true, consume: true},
		{name: "wrong", su: signUp(nil), strategy: StrategyEmailCode, code: "000000", row: row(nil), err: "form_code_incorrect", written: true, spend: true},
		{name: "expired", su: signUp(nil), strategy: StrategyEmailCode, code: "123456", row: row(func(r *store.CodeRow) { r.ExpireAt = now }), err: "verification_expired"},
		{name: "reused", su: signUp(nil), strategy: StrategyEmailCode, code: "123456", row: row(func(r *store.CodeRow) { r.ConsumedAt = &consumed }), err: "verification_already_verified"},
		{name: "too many attempts", su: signUp(nil), strategy: StrategyEmailCode, code: "123456", row: row(func(r *store.CodeRow) { r.Attempts = r.MaxAttempts }), err: "verification_failed"},
		{name: "not prepared", su: signUp(func(su *SignUp) { su.EmailVerification = nil }), strategy: StrategyEmailCode, code: "123456", row: row(nil), err: "verification_missing"},
		{name: "never sent", su: signUp(nil), strategy: StrategyEmailCode, code: "123456", err: "verification_missing"},
		{name: "code missing", su: signUp(nil), strategy: StrategyEmailCode, row: row(nil), err: string(gatehouse.CodeParamMissing)},
		{name: "wrong strategy", su: signUp(nil), strategy: "phone_code", code: "123456", row: row(nil), err: "strategy_for_user_invalid"},
		{name: "already complete", su: signUp(func(su *SignUp) { su.Status = Complete }), strategy: StrategyEmailCode, code: "123456", row: row(nil), err: "sign_up_status_invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next, use, complete, err := decideSignUpCode(SignUpCodeInput{SignUp: tc.su, Strategy: tc.strategy, Code: tc.code, Row: tc.row, Now: decideNow})
			if code(err) != tc.err {
				t.Fatalf("error %q, want %q", code(err), tc.err)
			}
			if (next != nil) != tc.written || (use != nil) != tc.spend || (use != nil && use.Consume) != tc.consume || complete != tc.complete {
				t.Fatalf("next %v use %+v complete %v", next != nil, use, complete)
			}
			if next != nil && next.EmailVerification.Attempts != tc.su.EmailVerification.Attempts+1 {
				t.Fatalf("attempts %d", next.EmailVerification.Attempts)
			}
			if tc.consume && next.EmailVerification.Status != gatehouse.VerificationVerified {
				t.Fatal("consumed without verifying")
			}
			if tc.su.EmailVerification != nil && tc.su.EmailVerification.Attempts != 0 {
				t.Fatal("the decision changed its input")
			}
		})
	}
}
