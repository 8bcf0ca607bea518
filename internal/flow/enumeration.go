package flow

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/users"
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
	if norm, ok := users.NormalizeEmail(ident); ok && strings.Contains(ident, "@") {
		si.PhantomEmailID = e.phantomEmailID(norm)
	}
	si.User = phantomUser(si)
}

// Phantom identification ids.
//
// A real account's email factor names its identification id, which is the
// same for every sign-in and, like every Gatehouse id, starts with the Unix
// second it was made (gatehouse.NewID). A phantom's id must behave the same
// or two fresh clients asking about one address tell real from phantom: so
// it is derived, not drawn — HMAC-SHA256 under a key derived from the
// deployment's encryption key (Options.PhantomKey), over the address in its
// one normalised form (users.NormalizeEmail, so ａｄａ@example.com and
// ada@example.com get one id, as they find one account).
//
// The 128 entropy bits are HMAC output. The timestamp must look like an
// account's creation time: after the instance was created and not in the
// future. A fixed choice (say the instance's creation second) would be
// stable but would mark every phantom; a fresh one would be plausible but
// change on every attempt. We take the second from a jump consistent hash
// (Lamping & Veach) over the seconds the instance has existed, seeded by
// the HMAC: it is uniform over [instance creation, now], so the phantom's
// "account" is of a plausible age, and as time passes a given address keeps
// its second except with probability (later−earlier)/later of the
// instance's age — two probes minutes apart on an instance that is days old
// see the same id. What remains: an observer who probes one address at
// times far apart (the instance's age doubling) sees about half of the
// phantom ids move while real ones never do; and a real id still reveals
// its account's creation time to anyone who knows the account exists.

// phantomEmailID returns the stand-in identification id of an email address
// (normalised) that has no account.
func (e *Engine) phantomEmailID(norm string) string {
	var entropy [16]byte
	copy(entropy[:], e.phantomMAC("identification entropy", norm, 0))
	since := e.instanceSince
	age := e.clock.Now().Unix() - since
	ts := since + jumpBucket(age, func(i int) uint64 {
		return binary.BigEndian.Uint64(e.phantomMAC("identification second", norm, i))
	})
	return gatehouse.FormatID(gatehouse.PrefixIdentification, uint32(ts), entropy)
}

// phantomMAC is HMAC-SHA256 under the phantom key over a purpose, the
// normalised identifier and a counter.
func (e *Engine) phantomMAC(purpose, norm string, i int) []byte {
	m := hmac.New(sha256.New, e.phantomKey)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(norm))
	var n [9]byte
	binary.BigEndian.PutUint64(n[1:], uint64(i))
	m.Write(n[:])
	return m.Sum(nil)
}

// jumpBucket returns a bucket in [0, n) for a key whose pseudo-random
// stream is draw(0), draw(1), ...: uniform over the buckets, and when n
// grows to n+1 a key moves (to the new bucket) with probability 1/(n+1)
// only. From bucket b the key next moves when the bucket count reaches
// floor((b+1)/r) for r uniform in (0, 1]; it stays in the last bucket so
// reached below n. n <= 0 gives 0.
func jumpBucket(n int64, draw func(i int) uint64) int64 {
	var b int64
	for i := 0; i < 128; i++ {
		r := (float64(draw(i)>>11) + 1) / (1 << 53)
		next := float64(b+1) / r
		if next >= float64(n) {
			return b
		}
		b = int64(next)
	}
	return b // unreachable in practice: each step multiplies b by 1/r
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
