package flow

import (
	"context"
)

// attemptPassword checks a password: load (done: the attempt and its user),
// verify outside any transaction (argon2id; a phantom or an account without
// a password runs the same work against a dummy digest), decide, save.
func (e *Engine) attemptPassword(ctx context.Context, st *signInStep, password string) (*Result, error) {
	in := PasswordInput{SignIn: *st.si, User: st.si.User, Password: password, Now: e.clock.Now()}
	check, err := planPassword(in)
	if err != nil {
		return e.saveSignIn(ctx, st, Decision{Err: err})
	}
	var ok, rehash bool
	h := e.users.Hasher()
	if check == checkDummy {
		if err := h.VerifyDummy(ctx, password); err != nil {
			return nil, err
		}
	} else {
		if ok, rehash, err = h.Verify(ctx, password, in.User.PasswordDigest); err != nil {
			return nil, err
		}
	}
	d := decidePassword(in, check, ok, rehash)
	if d.Rehash {
		// The new digest is computed here, before the transaction; a
		// failure only postpones the rehash to the next sign-in.
		if fresh, err := h.Hash(ctx, password); err == nil {
			st.oldDigest, st.newDigest = in.User.PasswordDigest, fresh
		}
	}
	return e.saveSignIn(ctx, st, d)
}
