package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Bounds on parameters accepted from stored or imported digests, so a hostile
// digest cannot make verification allocate gigabytes or spin for minutes.
const (
	maxArgonMemory = 256 * 1024 // KiB
	maxArgonTime   = 20
	minSaltLen     = 8
	maxSaltLen     = 64
	minKeyLen      = 16
	maxKeyLen      = 64
)

var b64 = base64.RawStdEncoding

func hashArgon2id(password string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

type argon2Digest struct {
	variant string // "argon2id" or "argon2i"
	p       Params
	salt    []byte
	key     []byte
}

func parseArgon2(digest string) (*argon2Digest, error) {
	parts := strings.Split(digest, "$")
	// "", variant, v=19, m=..,t=..,p=.., salt, hash
	if len(parts) != 6 || parts[0] != "" {
		return nil, fmt.Errorf("%w: argon2 digest must have 5 '$'-separated fields", ErrMalformedDigest)
	}
	d := &argon2Digest{variant: parts[1]}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return nil, fmt.Errorf("%w: argon2 version must be v=19", ErrMalformedDigest)
	}
	var m, t uint32
	var p uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return nil, fmt.Errorf("%w: argon2 parameters", ErrMalformedDigest)
	}
	if m < 8 || m > maxArgonMemory || t < 1 || t > maxArgonTime || p < 1 || p > 255 || m < 8*p {
		return nil, fmt.Errorf("%w: argon2 parameters out of range (m=%d t=%d p=%d)", ErrMalformedDigest, m, t, p)
	}
	salt, err1 := b64.DecodeString(strings.TrimRight(parts[4], "="))
	key, err2 := b64.DecodeString(strings.TrimRight(parts[5], "="))
	if err1 != nil || err2 != nil || len(salt) < minSaltLen || len(salt) > maxSaltLen || len(key) < minKeyLen || len(key) > maxKeyLen {
		return nil, fmt.Errorf("%w: argon2 salt or hash", ErrMalformedDigest)
	}
	d.p = Params{Memory: m, Time: t, Threads: uint8(p), SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	d.salt, d.key = salt, key
	return d, nil
}

func (d *argon2Digest) verify(password string) (bool, error) {
	var got []byte
	if d.variant == "argon2i" {
		got = argon2.Key([]byte(password), d.salt, d.p.Time, d.p.Memory, d.p.Threads, d.p.KeyLen)
	} else {
		got = argon2.IDKey([]byte(password), d.salt, d.p.Time, d.p.Memory, d.p.Threads, d.p.KeyLen)
	}
	return subtle.ConstantTimeCompare(got, d.key) == 1, nil
}

func (d *argon2Digest) needsRehash(cur Params) bool {
	return d.variant != "argon2id" || d.p.Memory != cur.Memory || d.p.Time != cur.Time || d.p.Threads != cur.Threads ||
		d.p.KeyLen != cur.KeyLen || d.p.SaltLen != cur.SaltLen
}
