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
	PrefixDevBrowser     = "devb_" // row id only; the bearer token is "dvb_..."
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewID returns prefix followed by 27 base62 characters encoding a 32-bit
// second timestamp and 128 random bits (KSUID-like), so IDs sort roughly by
// creation time and are unguessable.
func NewID(prefix string) string {
	var entropy [16]byte
	if _, err := rand.Read(entropy[:]); err != nil {
		panic("gatehouse: crypto/rand failed: " + err.Error())
	}
	return FormatID(prefix, uint32(time.Now().Unix()), entropy)
}

// FormatID renders an ID from its parts: the Unix second it claims to be
// from and 128 bits of entropy. NewID uses it with the current time and
// random bits; enumeration protection uses it to derive stand-in IDs that
// cannot be told apart from real ones.
func FormatID(prefix string, unix uint32, entropy [16]byte) string {
	var raw [20]byte
	binary.BigEndian.PutUint32(raw[:4], unix)
	copy(raw[4:], entropy[:])
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

// IDTime returns the Unix second an ID made by NewID or FormatID claims,
// and false when id is not prefix plus 27 base62 characters.
func IDTime(prefix, id string) (uint32, bool) {
	if len(id) != len(prefix)+27 || id[:len(prefix)] != prefix {
		return 0, false
	}
	n := new(big.Int)
	base := big.NewInt(62)
	for i := len(prefix); i < len(id); i++ {
		d := indexBase62(id[i])
		if d < 0 {
			return 0, false
		}
		n.Mul(n, base).Add(n, big.NewInt(int64(d)))
	}
	if n.BitLen() > 160 {
		return 0, false
	}
	var raw [20]byte
	n.FillBytes(raw[:])
	return binary.BigEndian.Uint32(raw[:4]), true
}

func indexBase62(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 36
	}
	return -1
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
