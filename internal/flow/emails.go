package flow

import (
	"context"
	"errors"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// Adding an email address to a signed-in account: the address is stored
// unverified (it signs no one in and is held for the account only briefly),
// a code is mailed to it, and the code verifies it.

// PrepareEmailVerification mails a verification code to one of u's
// unverified addresses. It does not extend the address's hold (which runs
// from when the address was added: users.EmailHold), so re-sending cannot
// keep someone else's address reserved.
func (e *Engine) PrepareEmailVerification(ctx context.Context, u *gatehouse.User, id string) (int64, error) {
	idn := u.EmailByID(id)
	if idn == nil {
		return 0, gatehouse.NotFound("Email address")
	}
	if idn.VerificationStatus == gatehouse.VerificationVerified {
		return 0, errEmailVerified("email_address_id")
	}
	exp, err := e.issueCode(ctx, idn.ID, PurposeVerifyEmail, idn.ID, idn.Value, u.ID, idn.ID)
	if err != nil {
		return 0, err
	}
	return exp, e.users.MarkEmailCodeSent(ctx, u.ID, idn.ID)
}

// AttemptEmailVerification checks the code sent to one of u's addresses
// and marks it verified. Codes are single use, expire, and allow five tries.
func (e *Engine) AttemptEmailVerification(ctx context.Context, u *gatehouse.User, id, code string) (*gatehouse.User, error) {
	idn := u.EmailByID(id)
	if idn == nil {
		return nil, gatehouse.NotFound("Email address")
	}
	if idn.VerificationStatus == gatehouse.VerificationVerified {
		return nil, errEmailVerified("code")
	}
	if code == "" {
		return nil, gatehouse.ParamMissing("code")
	}
	if _, err := e.redeemCode(ctx, idn.ID, PurposeVerifyEmail, code, nil); err != nil {
		if errors.Is(err, errWrongCode) {
			return nil, errCodeIncorrect()
		}
		return nil, err
	}
	return e.users.MarkEmailVerified(ctx, u.ID, idn.ID)
}
