// Package password hashes passwords with argon2id and verifies both its own
// digests and digests imported from other systems (bcrypt, argon2i/argon2id,
// PBKDF2 in Django's format, Firebase's modified scrypt), telling the caller
// when a digest should be replaced by a fresh argon2id one. All hashing runs
// under a semaphore sized to the CPUs, so a flood of sign-ins queues instead
// of exhausting memory, and the queue is fair between clients: each waiting
// client (Options.Caller) is served in turn, so one client's flood of hashes
// does not starve the others.
package password

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Params are argon2id parameters. Memory is in KiB.
type Params struct {
	Memory  uint32
	Time    uint32
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultParams is argon2id m=19 MiB, t=2, p=1 (OWASP's baseline).
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Sentinel errors.
var (
	ErrMalformedDigest   = errors.New("malformed password digest")
	ErrUnsupportedHasher = errors.New("unsupported password hasher")
	ErrTooShort          = errors.New("password too short")
	ErrTooLong           = errors.New("password too long")
)

// Hasher hashes and verifies passwords under a concurrency limit.
type Hasher struct {
	caller func(ctx context.Context) string

	p   Params
	sem *fairSem

	verifications atomic.Int64
	dummyOnce     sync.Once
	dummy         string
}

// New returns a Hasher hashing with o.Params.
func New(o Options) *Hasher {
	n := o.Concurrency
	if n <= 0 {
		n = runtime.NumCPU()
	}
	return &Hasher{p: o.Params, sem: newFairSem(n), caller: o.Caller}
}

// Options configure New.
type Options struct {
	Params      Params
	Concurrency int // hashes running at once; 0: the CPU count
	// Caller names the client on whose behalf ctx hashes (its address):
	// waiting hashes are served client by client. nil, or "", puts every
	// hash in one queue.
	Caller func(ctx context.Context) string
}

// Params returns the hasher's argon2id parameters.
func (h *Hasher) Params() Params { return h.p }

// acquire takes a hashing slot in the caller's queue; the returned func
// gives it back.
func (h *Hasher) acquire(ctx context.Context) (release func(), err error) {
	key := ""
	if h.caller != nil {
		key = h.caller(ctx)
	}
	if err := h.sem.acquire(ctx, key); err != nil {
		return nil, err
	}
	return func() { h.sem.release(key) }, nil
}

// Hash returns a PHC-format argon2id digest of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	release, err := h.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return hashArgon2id(password, h.p)
}

// Verify reports whether password matches digest, and whether the digest
// should be replaced (any format or parameters other than the hasher's own
// argon2id). A wrong password is (false, false, nil); a digest that cannot be
// parsed is an error wrapping ErrMalformedDigest.
func (h *Hasher) Verify(ctx context.Context, password, digest string) (ok, needsRehash bool, err error) {
	v, err := verifierFor(digest)
	if err != nil {
		return false, false, err
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return false, false, err
	}
	defer release()
	h.verifications.Add(1)
	ok, err = v.verify(password)
	if err != nil || !ok {
		return false, false, err
	}
	return true, v.needsRehash(h.p), nil
}

// Verifications counts password verifications run so far (tests use it to
// show that unknown accounts cost the same work as known ones).
func (h *Hasher) Verifications() int64 { return h.verifications.Load() }

// VerifyDummy spends exactly the work of a failed Verify at the current
// parameters, against a digest of a random secret: a sign-in for an account
// that does not exist (or has no password) takes as long as a wrong password.
// It always reports false.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	h.dummyOnce.Do(func() {
		secret := make([]byte, 32)
		_, _ = rand.Read(secret)
		h.dummy, _ = hashArgon2id(string(secret), h.p)
	})
	_, _, err := h.Verify(ctx, password, h.dummy)
	return err
}

// verifier is one parsed digest.
type verifier interface {
	verify(password string) (bool, error)
	needsRehash(current Params) bool
}

func verifierFor(digest string) (verifier, error) {
	switch {
	case strings.HasPrefix(digest, "$argon2id$"), strings.HasPrefix(digest, "$argon2i$"):
		return parseArgon2(digest)
	case strings.HasPrefix(digest, "$2a$"), strings.HasPrefix(digest, "$2b$"), strings.HasPrefix(digest, "$2y$"):
		return parseBcrypt(digest)
	case strings.HasPrefix(digest, "pbkdf2_"):
		return parsePBKDF2(digest)
	case strings.HasPrefix(digest, scryptFirebasePrefix):
		return parseScryptFirebase(strings.TrimPrefix(digest, scryptFirebasePrefix))
	}
	return nil, fmt.Errorf("%w: unrecognised format", ErrMalformedDigest)
}

// ImportDigest validates a digest imported through the Backend API with
// Clerk's password_hasher name and returns the string to store, in a form
// Verify recognises unambiguously.
func ImportDigest(hasher, digest string) (string, error) {
	digest = strings.TrimSpace(digest)
	if len(digest) > 1024 {
		return "", fmt.Errorf("%w: too long", ErrMalformedDigest)
	}
	var stored string
	switch hasher {
	case "argon2id":
		if !strings.HasPrefix(digest, "$argon2id$") {
			return "", fmt.Errorf("%w: argon2id digests start with $argon2id$", ErrMalformedDigest)
		}
		stored = digest
	case "argon2i":
		if !strings.HasPrefix(digest, "$argon2i$") {
			return "", fmt.Errorf("%w: argon2i digests start with $argon2i$", ErrMalformedDigest)
		}
		stored = digest
	case "bcrypt":
		stored = digest
		if _, err := parseBcrypt(digest); err != nil {
			return "", err
		}
	case "pbkdf2_sha256", "pbkdf2_sha256_django", "pbkdf2_sha512", "pbkdf2_sha1":
		want := strings.TrimSuffix(hasher, "_django") + "$"
		if !strings.HasPrefix(digest, want) {
			return "", fmt.Errorf("%w: %s digests look like %s<iterations>$<salt>$<base64 hash>", ErrMalformedDigest, hasher, want)
		}
		stored = digest
	case "scrypt_firebase":
		stored = scryptFirebasePrefix + digest
	default:
		return "", fmt.Errorf("%w: %q", ErrUnsupportedHasher, hasher)
	}
	if _, err := verifierFor(stored); err != nil {
		return "", err
	}
	return stored, nil
}

// ValidatePolicy checks length limits: at least minLen characters (runes)
// and at most maxLen bytes.
func ValidatePolicy(password string, minLen, maxLen int) error {
	if len(password) > maxLen {
		return ErrTooLong
	}
	if utf8.RuneCountInString(password) < minLen {
		return ErrTooShort
	}
	return nil
}
