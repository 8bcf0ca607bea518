package keys

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// SigningKey is an RSA private key with its key id.
type SigningKey struct {
	KID     string
	Private *rsa.PrivateKey
}

// GenerateRSA returns a fresh RSA-2048 key with e=65537 (the only shape
// @clerk/backend's networkless PEM loader understands).
func GenerateRSA() (*rsa.PrivateKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	if err := checkShape(&k.PublicKey); err != nil {
		return nil, err
	}
	return k, nil
}

func checkShape(k *rsa.PublicKey) error {
	if k.N.BitLen() != 2048 || k.E != 65537 {
		return fmt.Errorf("signing keys must be RSA-2048 with e=65537, got %d bits e=%d", k.N.BitLen(), k.E)
	}
	return nil
}

// MarshalPrivate seals k's PKCS#8 encoding, bound to kid.
func MarshalPrivate(s *Sealer, kid string, k *rsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return s.Seal(der, []byte("gatehouse-signing-key:"+kid))
}

// UnmarshalPrivate opens a blob made by MarshalPrivate for the same kid.
func UnmarshalPrivate(s *Sealer, kid string, blob []byte) (*rsa.PrivateKey, error) {
	der, err := s.Open(blob, []byte("gatehouse-signing-key:"+kid))
	if err != nil {
		return nil, err
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse signing key %s: %w", kid, err)
	}
	k, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("signing key is not RSA")
	}
	if err := checkShape(&k.PublicKey); err != nil {
		return nil, err
	}
	return k, nil
}

// PublicPEM renders k as a PKIX "PUBLIC KEY" PEM block.
func PublicPEM(k *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}
