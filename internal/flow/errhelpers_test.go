package flow

import (
	"encoding/json"
	"testing"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// TestErrorHelpers pins what each error helper renders — status, code,
// both messages and meta — to what the Frontend API answered before the
// catalogue: the helpers' bodies may change, their errors may not.
func TestErrorHelpers(t *testing.T) {
	five := int64(300)
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"identifier not found", errIdentifierNotFound(),
			`422 {"Code":"form_identifier_not_found","Message":"Couldn't find your account.","LongMessage":"Couldn't find your account.","Meta":{"param_name":"identifier"}}`},
		{"password incorrect", errPasswordIncorrect(),
			`422 {"Code":"form_password_incorrect","Message":"Password is incorrect. Try again, or use another method.","LongMessage":"Password is incorrect. Try again, or use another method.","Meta":{"param_name":"password"}}`},
		{"code incorrect", errCodeIncorrect(),
			`422 {"Code":"form_code_incorrect","Message":"Incorrect code","LongMessage":"Incorrect code","Meta":{"param_name":"code"}}`},
		{"verification expired", errVerificationExpired(),
			`422 {"Code":"verification_expired","Message":"This verification has expired. Request a new code.","LongMessage":"This verification has expired. Request a new code.","Meta":{"param_name":"code"}}`},
		{"too many attempts", errTooManyAttempts(),
			`422 {"Code":"verification_failed","Message":"Too many failed attempts. Request a new code.","LongMessage":"Too many failed attempts. Request a new code.","Meta":{"param_name":"code"}}`},
		{"verification missing", errVerificationMissing(),
			`422 {"Code":"verification_missing","Message":"Request a code first.","LongMessage":"Request a code first.","Meta":{"param_name":"code"}}`},
		{"code used", errCodeUsed(),
			`422 {"Code":"verification_already_verified","Message":"This code was already used. Request a new code.","LongMessage":"This code was already used. Request a new code.","Meta":{"param_name":"code"}}`},
		{"email verified", errEmailVerified("email_address_id"),
			`422 {"Code":"verification_already_verified","Message":"This email address is already verified.","LongMessage":"This email address is already verified.","Meta":{"param_name":"email_address_id"}}`},
		{"strategy", errStrategy("phone_code"),
			`422 {"Code":"strategy_for_user_invalid","Message":"The verification strategy 'phone_code' is not valid for this account.","LongMessage":"The verification strategy 'phone_code' is not valid for this account.","Meta":{"param_name":"strategy"}}`},
		{"not found", errNotFound("Sign in attempt"),
			`404 {"Code":"resource_not_found","Message":"not found","LongMessage":"Sign in attempt not found","Meta":null}`},
		{"locked", errLocked(nil),
			`403 {"Code":"user_locked","Message":"Your account is locked. Please try again later.","LongMessage":"Your account is locked. Please try again later.","Meta":{}}`},
		{"locked for 5 minutes", errLocked(&five),
			`403 {"Code":"user_locked","Message":"Your account is locked. Please try again later.","LongMessage":"Your account is locked. You will be able to try again in 6 minutes.","Meta":{"lockout_expires_in_seconds":300}}`},
		{"banned", errBanned(),
			`403 {"Code":"user_banned","Message":"You are not allowed to sign in. Contact the application's support.","LongMessage":"You are not allowed to sign in. Contact the application's support.","Meta":null}`},
		{"sign-in status", errStatusInvalid("complete"),
			`422 {"Code":"sign_in_status_invalid","Message":"This sign-in is complete; this step is not possible now.","LongMessage":"This sign-in is complete; this step is not possible now.","Meta":null}`},
		{"sign-up status", errSignUpStatusInvalid("complete"),
			`422 {"Code":"sign_up_status_invalid","Message":"This sign-up is complete.","LongMessage":"This sign-up is complete.","Meta":null}`},
		{"sign-in expired", errAttemptExpired("sign_in"),
			`422 {"Code":"sign_in_expired","Message":"This attempt has expired. Start again.","LongMessage":"This attempt has expired. Start again.","Meta":null}`},
		{"sign-up expired", errAttemptExpired("sign_up"),
			`422 {"Code":"sign_up_expired","Message":"This attempt has expired. Start again.","LongMessage":"This attempt has expired. Start again.","Meta":null}`},
		{"session exists", errSessionExists(),
			`400 {"Code":"session_exists","Message":"You're already signed in.","LongMessage":"You're already signed in.","Meta":null}`},
	}
	for _, c := range cases {
		ge, ok := gatehouse.AsError(c.err)
		if !ok {
			t.Errorf("%s: %T is not a *gatehouse.Error", c.name, c.err)
			continue
		}
		b, _ := json.Marshal(struct {
			Code, Message, LongMessage string
			Meta                       map[string]any
		}{string(ge.Code), ge.Message, ge.LongMessage, ge.Meta})
		if got := itoa(ge.Status) + " " + string(b); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}
