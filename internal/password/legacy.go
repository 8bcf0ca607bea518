package password

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/pbkdf2"
	"golang.org/x/crypto/scrypt"
)

// bcrypt ----------------------------------------------------------------

type bcryptDigest struct{ raw []byte }

func parseBcrypt(digest string) (*bcryptDigest, error) {
	cost, err := bcrypt.Cost([]byte(digest))
	if err != nil || len(digest) != 60 {
		return nil, fmt.Errorf("%w: bcrypt digest", ErrMalformedDigest)
	}
	if cost > 16 {
		return nil, fmt.Errorf("%w: bcrypt cost %d is above 16", ErrMalformedDigest, cost)
	}
	return &bcryptDigest{raw: []byte(digest)}, nil
}

// verify never matches a password over 72 bytes: bcrypt would silently use
// only the first 72, and Gatehouse verifies the exact bytes typed.
func (d *bcryptDigest) verify(password string) (bool, error) {
	if len(password) > 72 {
		return false, nil
	}
	err := bcrypt.CompareHashAndPassword(d.raw, []byte(password))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword), errors.Is(err, bcrypt.ErrPasswordTooLong):
		return false, nil
	default:
		return false, fmt.Errorf("%w: %v", ErrMalformedDigest, err)
	}
}

func (*bcryptDigest) needsRehash(Params) bool { return true }

// PBKDF2 (Django format: pbkdf2_<hash>$<iterations>$<salt>$<base64 key>) ----

type pbkdf2Digest struct {
	newHash func() hash.Hash
	iter    int
	salt    []byte
	key     []byte
}

func parsePBKDF2(digest string) (*pbkdf2Digest, error) {
	parts := strings.Split(digest, "$")
	if len(parts) != 4 {
		return nil, fmt.Errorf("%w: pbkdf2 digests look like pbkdf2_sha256$<iterations>$<salt>$<base64 hash>", ErrMalformedDigest)
	}
	d := &pbkdf2Digest{}
	switch parts[0] {
	case "pbkdf2_sha256":
		d.newHash = sha256.New
	case "pbkdf2_sha512":
		d.newHash = sha512.New
	case "pbkdf2_sha1":
		d.newHash = sha1.New
	default:
		return nil, fmt.Errorf("%w: unknown pbkdf2 variant %q", ErrMalformedDigest, parts[0])
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > 10_000_000 {
		return nil, fmt.Errorf("%w: pbkdf2 iterations", ErrMalformedDigest)
	}
	key, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil || len(key) < 16 || len(key) > 128 || parts[2] == "" || len(parts[2]) > 128 {
		return nil, fmt.Errorf("%w: pbkdf2 salt or hash", ErrMalformedDigest)
	}
	d.iter, d.salt, d.key = iter, []byte(parts[2]), key
	return d, nil
}

func (d *pbkdf2Digest) verify(password string) (bool, error) {
	got := pbkdf2.Key([]byte(password), d.salt, d.iter, len(d.key), d.newHash)
	return subtle.ConstantTimeCompare(got, d.key) == 1, nil
}

func (*pbkdf2Digest) needsRehash(Params) bool { return true }

// Firebase's modified scrypt ------------------------------------------------
//
// Clerk's format: <hash>$<salt>$<signer key>$<salt separator>$<rounds>$<memory cost>,
// the first four base64. The derived key is scrypt(password, salt||separator,
// N=2^memory_cost, r=rounds, p=1, 32 bytes); the hash is the signer key
// encrypted with AES-256-CTR under the derived key and a zero IV.

const (
	scryptFirebasePrefix = "$scrypt-firebase$"
	maxScryptBytes       = 128 << 20
)

type scryptFirebaseDigest struct {
	hash, salt, signer, sep []byte
	rounds, memCost         int
}

func parseScryptFirebase(s string) (*scryptFirebaseDigest, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 {
		return nil, fmt.Errorf("%w: scrypt_firebase digests look like <hash>$<salt>$<signer key>$<salt separator>$<rounds>$<memory cost>", ErrMalformedDigest)
	}
	var fields [4][]byte
	for i := range 4 {
		b, err := decodeAnyBase64(parts[i])
		if err != nil || len(b) == 0 || len(b) > 256 {
			return nil, fmt.Errorf("%w: scrypt_firebase field %d is not base64", ErrMalformedDigest, i+1)
		}
		fields[i] = b
	}
	rounds, err1 := strconv.Atoi(parts[4])
	mem, err2 := strconv.Atoi(parts[5])
	if err1 != nil || err2 != nil || rounds < 1 || rounds > 32 || mem < 1 || mem > 20 {
		return nil, fmt.Errorf("%w: scrypt_firebase rounds (1-32) or memory cost (1-20)", ErrMalformedDigest)
	}
	if 128*rounds<<mem > maxScryptBytes {
		return nil, fmt.Errorf("%w: scrypt_firebase parameters need more than 128 MiB", ErrMalformedDigest)
	}
	return &scryptFirebaseDigest{hash: fields[0], salt: fields[1], signer: fields[2], sep: fields[3], rounds: rounds, memCost: mem}, nil
}

func decodeAnyBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

func (d *scryptFirebaseDigest) verify(password string) (bool, error) {
	salt := append(append([]byte{}, d.salt...), d.sep...)
	key, err := scrypt.Key([]byte(password), salt, 1<<d.memCost, d.rounds, 1, 32)
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrMalformedDigest, err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return false, err
	}
	out := make([]byte, len(d.signer))
	cipher.NewCTR(block, make([]byte, aes.BlockSize)).XORKeyStream(out, d.signer)
	return subtle.ConstantTimeCompare(out, d.hash) == 1, nil
}

func (*scryptFirebaseDigest) needsRehash(Params) bool { return true }
