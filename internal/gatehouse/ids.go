package gatehouse

import (
	"crypto/rand"
	"encoding/binary"
	"math/big"
	"strings"
	"time"
)

// ID prefixes, as Clerk uses them.
const (
	PrefixInstance       = "ins_"
	PrefixUser           = "user_"
	PrefixIdentification = "idn_"
	PrefixSession        = "sess_"
	PrefixClient         = "client_"
	PrefixSignIn         = "sia_"
	PrefixSignUp         = "sua_"
	PrefixSecretKey      = "ak_"
	PrefixOrganization   = "org_"
	PrefixEndpoint       = "ep_"
	PrefixMessage        = "msg_"
	PrefixAudit          = "aud_"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewID returns prefix followed by 27 base62 characters encoding a 32-bit
// second timestamp and 128 random bits (KSUID-like), so IDs sort roughly by
// creation time and are unguessable.
func NewID(prefix string) string {
	var raw [20]byte
	binary.BigEndian.PutUint32(raw[:4], uint32(time.Now().Unix()))
	if _, err := rand.Read(raw[4:]); err != nil {
		panic("gatehouse: crypto/rand failed: " + err.Error())
	}
	n := new(big.Int).SetBytes(raw[:])
	out := make([]byte, 27)
	base := big.NewInt(62)
	mod := new(big.Int)
	for i := len(out) - 1; i >= 0; i-- {
		n.DivMod(n, base, mod)
		out[i] = base62[mod.Int64()]
	}
	return prefix + string(out)
}

// MaxIDBody bounds the part of an ID after its prefix. Gatehouse issues 27
// base62 characters (as Clerk does); the bound leaves room for IDs imported
// from elsewhere while keeping every lookup key short.
const MaxIDBody = 64

// ValidID reports whether s is prefix followed by 1 to MaxIDBody base62
// characters. Every ID taken from a request is checked with it (or with
// WellFormedID) before it reaches the database, so a NUL byte, invalid UTF-8
// or an oversized value never becomes a query argument.
func ValidID(prefix, s string) bool {
	body, ok := strings.CutPrefix(s, prefix)
	return ok && prefix != "" && validIDBody(body)
}

// WellFormedID reports whether s has the shape of some Gatehouse ID: a
// prefix of 1 to 16 lower-case ASCII letters and '_', then 1 to MaxIDBody
// base62 characters.
func WellFormedID(s string) bool {
	i := strings.IndexByte(s, '_')
	if i < 1 || i > 16 {
		return false
	}
	for _, c := range []byte(s[:i]) {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return validIDBody(s[i+1:])
}

func validIDBody(body string) bool {
	if len(body) == 0 || len(body) > MaxIDBody {
		return false
	}
	for _, c := range []byte(body) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
