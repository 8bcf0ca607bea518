package password

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/pbkdf2"
	"golang.org/x/crypto/scrypt"
)

var fast = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, p := range []Params{fast, DefaultParams} {
		h := New(Options{Params: p, Concurrency: 2})
		d, err := h.Hash(ctx, "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(d, fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", p.Memory, p.Time, p.Threads)) {
			t.Fatalf("digest %q", d)
		}
		ok, rehash, err := h.Verify(ctx, "correct horse battery", d)
		if !ok || rehash || err != nil {
			t.Fatalf("verify own digest: %v %v %v", ok, rehash, err)
		}
		if ok, _, err := h.Verify(ctx, "correct horse batterY", d); ok || err != nil {
			t.Fatalf("wrong password: %v %v", ok, err)
		}
		d2, _ := h.Hash(ctx, "correct horse battery")
		if d2 == d {
			t.Fatal("two hashes of one password must differ (salt)")
		}
	}
	// Old parameters verify but ask for a rehash.
	old, _ := New(Options{Params: fast, Concurrency: 1}).Hash(ctx, "pw-with-old-params")
	if ok, rehash, _ := New(Options{Params: DefaultParams, Concurrency: 1}).Verify(ctx, "pw-with-old-params", old); !ok || !rehash {
		t.Fatalf("old params: ok=%v rehash=%v", ok, rehash)
	}
}

func firebaseDigest(t *testing.T, pw string) string {
	t.Helper()
	salt, sep, signer := []byte("saltsalt"), []byte{0x42}, []byte("firebase-signer-key-0123456789ab")
	key, err := scrypt.Key([]byte(pw), append(append([]byte{}, salt...), sep...), 1<<4, 8, 1, 32)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(key)
	out := make([]byte, len(signer))
	cipher.NewCTR(block, make([]byte, aes.BlockSize)).XORKeyStream(out, signer)
	e := base64.StdEncoding.EncodeToString
	return strings.Join([]string{e(out), e(salt), e(signer), e(sep), "8", "4"}, "$")
}

// Each imported format is produced here with its underlying primitive, then
// must verify with the right password only and ask for a rehash.
func TestImportedFormats(t *testing.T) {
	ctx := context.Background()
	const pw = "imported secret 1"
	bc, _ := bcrypt.GenerateFromPassword([]byte(pw), 4)
	pbk := base64.StdEncoding.EncodeToString(pbkdf2.Key([]byte(pw), []byte("NaCl2024"), 1000, 32, sha256.New))
	a2i := fmt.Sprintf("$argon2i$v=19$m=64,t=2,p=1$%s$%s", b64.EncodeToString([]byte("saltsaltsalt")),
		b64.EncodeToString(argon2.Key([]byte(pw), []byte("saltsaltsalt"), 2, 64, 1, 32)))
	a2id := fmt.Sprintf("$argon2id$v=19$m=64,t=1,p=1$%s$%s", b64.EncodeToString([]byte("saltsaltsalt")),
		b64.EncodeToString(argon2.IDKey([]byte(pw), []byte("saltsaltsalt"), 1, 64, 1, 32)))
	cases := []struct{ hasher, digest string }{
		{"bcrypt", string(bc)},
		{"pbkdf2_sha256", "pbkdf2_sha256$1000$NaCl2024$" + pbk},
		{"pbkdf2_sha256_django", "pbkdf2_sha256$1000$NaCl2024$" + pbk},
		{"argon2i", a2i},
		{"argon2id", a2id},
		{"scrypt_firebase", firebaseDigest(t, pw)},
	}
	h := New(Options{Params: DefaultParams, Concurrency: 2})
	for _, c := range cases {
		t.Run(c.hasher, func(t *testing.T) {
			stored, err := ImportDigest(c.hasher, c.digest)
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			ok, rehash, err := h.Verify(ctx, pw, stored)
			if !ok || !rehash || err != nil {
				t.Fatalf("verify: ok=%v rehash=%v err=%v", ok, rehash, err)
			}
			if ok, _, err := h.Verify(ctx, pw+"x", stored); ok || err != nil {
				t.Fatalf("wrong password accepted: %v %v", ok, err)
			}
		})
	}
	if _, err := ImportDigest("md4_home_made", "x"); !errors.Is(err, ErrUnsupportedHasher) {
		t.Fatalf("unsupported: %v", err)
	}
}

func TestMalformedDigests(t *testing.T) {
	h := New(Options{Params: fast, Concurrency: 1})
	bad := []struct{ hasher, digest string }{
		{"bcrypt", "$2a$04$short"},
		{"bcrypt", "$2a$31$" + strings.Repeat("a", 53)},
		{"argon2id", "$argon2id$v=19$m=64,t=1,p=1$!!!$!!!"},
		{"argon2id", "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA"}, // 4 GiB
		{"argon2id", "$argon2id$v=19$m=64,t=1000,p=1$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA"},
		{"argon2id", "$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA"},
		{"argon2id", "$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA"},
		{"pbkdf2_sha256", "pbkdf2_sha256$0$salt$aGFzaA=="},
		{"pbkdf2_sha256", "pbkdf2_sha256$1000$salt"},
		{"pbkdf2_sha256", "md5$1000$salt$aGFzaA=="},
		{"scrypt_firebase", "a$b$c$d$8$99"},
		{"scrypt_firebase", "not base64!$b$c$d$8$14"},
	}
	for _, c := range bad {
		if _, err := ImportDigest(c.hasher, c.digest); !errors.Is(err, ErrMalformedDigest) {
			t.Errorf("%s %q: want ErrMalformedDigest, got %v", c.hasher, c.digest, err)
		}
	}
	if _, _, err := h.Verify(context.Background(), "x", "plain-text-password"); !errors.Is(err, ErrMalformedDigest) {
		t.Fatalf("unknown format: %v", err)
	}
}

// bcrypt looks only at 72 bytes; Gatehouse must not inherit that.
func TestBcryptNoTruncation(t *testing.T) {
	a := strings.Repeat("A", 72) + strings.Repeat("1", 28)
	b := strings.Repeat("A", 72) + strings.Repeat("2", 28)
	digest, err := bcrypt.GenerateFromPassword([]byte(a[:72]), 4)
	if err != nil {
		t.Fatal(err)
	}
	h := New(Options{Params: fast, Concurrency: 1})
	for _, pw := range []string{a, b} {
		if ok, _, err := h.Verify(context.Background(), pw, string(digest)); ok || err != nil {
			t.Fatalf("100-byte password matched a bcrypt digest of its first 72 bytes: %v %v", ok, err)
		}
	}
}

func TestSemaphoreHonoursContext(t *testing.T) {
	h := New(Options{Params: fast, Concurrency: 1})
	release, err := h.acquire(context.Background()) // occupy the only slot
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Hash with full semaphore: %v", err)
	}
	if _, _, err := h.Verify(ctx, "pw", "$2a$04$"+strings.Repeat("a", 53)); !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ErrMalformedDigest) {
		t.Fatalf("Verify with full semaphore: %v", err)
	}
	release()
	if h.sem.queued() != 0 {
		t.Fatal("a waiter that gave up is still queued")
	}
	if _, err := h.Hash(context.Background(), "pw"); err != nil {
		t.Fatalf("Hash after the slot came back: %v", err)
	}
}

func TestValidatePolicy(t *testing.T) {
	if ValidatePolicy("1234567", 8, 256) != ErrTooShort || ValidatePolicy(strings.Repeat("a", 257), 8, 256) != ErrTooLong {
		t.Fatal("length limits")
	}
	if ValidatePolicy("ééééééé€", 8, 256) != nil { // 8 characters, more bytes
		t.Fatal("min length counts characters")
	}
}

func FuzzVerify(f *testing.F) {
	for _, s := range []string{"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA", "$2a$04$" + strings.Repeat("a", 53),
		"pbkdf2_sha256$1000$salt$aGFzaGhhc2hoYXNoaGFzaA==", scryptFirebasePrefix + "a$b$c$d$8$4", "", "$argon2i$"} {
		f.Add(s)
	}
	h := New(Options{Params: fast, Concurrency: 1})
	f.Fuzz(func(t *testing.T, digest string) {
		ok, _, err := h.Verify(context.Background(), "password", digest)
		if ok && err != nil {
			t.Fatal("ok with error")
		}
	})
}

func BenchmarkHashDefault(b *testing.B) {
	h := New(Options{Params: DefaultParams})
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.Hash(context.Background(), "benchmark password"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
