package main

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"runtime"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/gatehouse/gatehouse/internal/password"
)

// limits are the raw costs that bound the scenarios, measured on all cores
// in the same run.
type limits struct {
	Argon2idPerSec float64 `json:"argon2id_per_sec"`
	RS256SignSec   float64 `json:"rs256_sign_per_sec"`
	RS256VerifySec float64 `json:"rs256_verify_per_sec"`
}

func measureLimits(dur time.Duration) limits {
	p := password.DefaultParams
	salt := make([]byte, p.SaltLen)
	_, _ = rand.Read(salt)
	cores := runtime.NumCPU()
	var l limits
	l.Argon2idPerSec = parallel(cores, dur, func() {
		argon2.IDKey([]byte("correct horse battery staple"), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	})
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	// A session token's signing input is ~600 bytes.
	sum := sha256.Sum256(make([]byte, 600))
	l.RS256SignSec = parallel(cores, dur, func() {
		s := sha256.Sum256(make([]byte, 600))
		_, _ = rsa.SignPKCS1v15(nil, key, crypto.SHA256, s[:])
	})
	sig, _ := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	l.RS256VerifySec = parallel(cores, dur, func() {
		s := sha256.Sum256(make([]byte, 600))
		_ = rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, s[:], sig)
	})
	return l
}
