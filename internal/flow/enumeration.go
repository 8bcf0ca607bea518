package flow

import (
	"context"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Enumeration protection (on unless the instance sets allow_enumeration):
// a sign-in for an identifier that belongs to no account is not refused with
// form_identifier_not_found. It becomes a phantom sign-in that looks like a
// real one — same status, same factors, same error for a wrong password or
// code, after the same argon2id work — and can never complete. Codes
// "sent" for a phantom are random, stored like real ones (so attempts,
// expiry and the attempt limit behave identically) and mailed to no one.

func isIdentifierNotFound(err error) bool {
	ge, ok := gatehouse.AsError(err)
	return ok && ge.Code == gatehouse.CodeIdentifierNotFound
}

// makePhantom turns si into a phantom sign-in for ident.
func (e *Engine) makePhantom(si *SignIn, ident string) {
	si.Identifier, si.Status, si.Phantom = ident, NeedsFirstFactor, true
	if strings.Contains(ident, "@") {
		si.PhantomEmailID = gatehouse.NewID(gatehouse.PrefixIdentification)
	}
	si.User = phantomUser(si)
}

// phantomUser is the stand-in account of a phantom sign-in: no id, an
// email address equal to the identifier (when it is one), no password.
func phantomUser(si *SignIn) *gatehouse.User {
	u := &gatehouse.User{}
	if si.PhantomEmailID != "" {
		id := si.PhantomEmailID
		u.EmailAddresses = []gatehouse.Identification{{ID: id, Kind: gatehouse.KindEmail, Value: si.Identifier}}
		u.PrimaryEmailAddressID = &id
	}
	return u
}

// issuePhantomCode stores a random code for a phantom sign-in without
// sending it anywhere; the mail limits count it exactly like a real one.
func (e *Engine) issuePhantomCode(ctx context.Context, owner, purpose, target, address string) (int64, error) {
	if err := e.gateMail(ctx, address); err != nil {
		return 0, err
	}
	code, err := newCode()
	if err != nil {
		return 0, err
	}
	now := e.clock.Now()
	exp := now.Add(CodeLifetime).UnixMilli()
	row := &store.CodeRow{ID: gatehouse.NewID("code_"), OwnerID: owner, Purpose: purpose, Target: target,
		CodeHash: codeHash(owner, code), MaxAttempts: CodeMaxAttempts, ExpireAt: exp, CreatedAt: now.UnixMilli()}
	err = e.st.Tx(ctx, func(q *store.Q) error { return q.InsertCode(ctx, row) })
	return exp, err
}
