package keys

import (
	"crypto/rsa"
	"encoding/json"

	"github.com/go-jose/go-jose/v4"
)

// PublicJWK is a published verification key.
type PublicJWK struct {
	KID string
	Key *rsa.PublicKey
}

// JWKS renders keys as a JSON Web Key Set with kid, alg (RS256) and use (sig).
func JWKS(keys []PublicJWK) ([]byte, error) {
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(keys))}
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Key, KeyID: k.KID, Algorithm: string(jose.RS256), Use: "sig"})
	}
	return json.Marshal(set)
}
