// Package keys holds Gatehouse's key material handling: AES-256-GCM sealing
// of private keys at rest, RSA signing keys and their JWKS, RS256 JWT signing
// and strict verification, publishable and secret API keys, and random
// opaque tokens. Cryptography comes from the standard library and go-jose.
package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

const sealVersion = 1

// Sealer encrypts small secrets (private keys) with AES-256-GCM.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("encryption key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext bound to associatedData: version byte, nonce, ciphertext.
func (s *Sealer) Seal(plaintext, associatedData []byte) ([]byte, error) {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out[1:], plaintext, associatedData), nil
}

// ErrUnseal means a sealed blob could not be opened: wrong key, wrong
// associated data, or tampering.
var ErrUnseal = errors.New("cannot unseal: wrong encryption key or corrupted data")

// Open decrypts a blob made by Seal with the same associatedData.
func (s *Sealer) Open(blob, associatedData []byte) ([]byte, error) {
	ns := s.aead.NonceSize()
	if len(blob) < 1+ns+s.aead.Overhead() || blob[0] != sealVersion {
		return nil, ErrUnseal
	}
	pt, err := s.aead.Open(nil, blob[1:1+ns], blob[1+ns:], associatedData)
	if err != nil {
		return nil, ErrUnseal
	}
	return pt, nil
}

// ParseEncryptionKey decodes a 32-byte key given as base64 (standard or URL,
// padded or not) or as 64 hex characters.
func ParseEncryptionKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 64 {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != 32 {
				return nil, fmt.Errorf("encryption key decodes to %d bytes; it must be 32 (generate one with `gatehouse keys gen-encryption-key`)", len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("encryption key must be 32 bytes in base64 or 64 hex characters (generate one with `gatehouse keys gen-encryption-key`)")
}

// GenerateEncryptionKey returns a fresh key in standard base64.
func GenerateEncryptionKey() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("keys: crypto/rand failed: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(b[:])
}
