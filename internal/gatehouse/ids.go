package gatehouse

import (
	"crypto/rand"
	"encoding/binary"
	"math/big"
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
