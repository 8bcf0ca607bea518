package keys

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ValidatePublishableHost checks that host can be encoded in a publishable
// key the Clerk SDKs accept: they require a '.' in the decoded host, so
// "localhost:8080" is refused while "127.0.0.1:8080" or "auth.lvh.me" work.
func ValidatePublishableHost(host string) error {
	if host == "" || !strings.Contains(host, ".") || strings.ContainsAny(host, "$/ ") {
		return fmt.Errorf("public host %q cannot go in a publishable key: Clerk's SDKs need a host with a dot and no '$', '/' or spaces (use 127.0.0.1:PORT instead of localhost, or a real domain)", host)
	}
	return nil
}

// Key prefixes. The SDKs read the instance type from the prefix alone:
// "pk_live_"/"sk_live_" is production, "pk_test_"/"sk_test_" development.
const (
	PublishableLivePrefix = "pk_live_"
	PublishableTestPrefix = "pk_test_"
	SecretLivePrefix      = "sk_live_"
	SecretTestPrefix      = "sk_test_"
)

// PublishableKey returns "pk_live_" (production) or "pk_test_"
// (development) + unpadded base64 of "<host>$".
func PublishableKey(host string, development bool) (string, error) {
	if err := ValidatePublishableHost(host); err != nil {
		return "", err
	}
	prefix := PublishableLivePrefix
	if development {
		prefix = PublishableTestPrefix
	}
	return prefix + base64.RawStdEncoding.EncodeToString([]byte(host+"$")), nil
}

// CookieSuffix is the suffix the Clerk SDKs append to cookie names
// ("__session_<suffix>"): the first 8 characters of the URL-safe base64 of
// SHA-1 over the whole publishable key. SHA-1 is only a name derivation here,
// fixed by the SDKs, not a security property.
func CookieSuffix(publishableKey string) string {
	sum := sha1.Sum([]byte(publishableKey))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:8]
}

// ParsePublishableKey decodes a pk_live_/pk_test_ key into its host.
func ParsePublishableKey(pk string) (host string, live bool, err error) {
	var rest string
	switch {
	case strings.HasPrefix(pk, "pk_live_"):
		rest, live = pk[len("pk_live_"):], true
	case strings.HasPrefix(pk, "pk_test_"):
		rest = pk[len("pk_test_"):]
	default:
		return "", false, errors.New("publishable key must start with pk_live_ or pk_test_")
	}
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(rest, "="))
	if err != nil {
		return "", false, errors.New("publishable key is not base64")
	}
	s := string(b)
	if !strings.HasSuffix(s, "$") || strings.Count(s, "$") != 1 || !strings.Contains(s, ".") {
		return "", false, errors.New("publishable key does not encode a host ending in '$'")
	}
	return strings.TrimSuffix(s, "$"), live, nil
}

// NewSecretKey returns a fresh "sk_live_" (production) or "sk_test_"
// (development) key (256 random bits) and the SHA-256 hash to store.
func NewSecretKey(development bool) (plaintext string, hash []byte, err error) {
	tok, err := RandomToken(32)
	if err != nil {
		return "", nil, err
	}
	prefix := SecretLivePrefix
	if development {
		prefix = SecretTestPrefix
	}
	plaintext = prefix + tok
	return plaintext, HashSecretKey(plaintext), nil
}

// HashSecretKey is the SHA-256 of the whole key.
func HashSecretKey(plaintext string) []byte { return HashToken(plaintext) }

// SecretKeyHint returns the last four characters, for listings.
func SecretKeyHint(plaintext string) string {
	if len(plaintext) < 4 {
		return ""
	}
	return plaintext[len(plaintext)-4:]
}

// EqualHash compares two hashes in constant time (false when lengths differ).
func EqualHash(a, b []byte) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare(a, b) == 1
}

// RandomToken returns nbytes of crypto/rand as unpadded base64url.
func RandomToken(nbytes int) (string, error) {
	b := make([]byte, nbytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken is the SHA-256 of an opaque token (client cookies, nonces, keys).
func HashToken(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
