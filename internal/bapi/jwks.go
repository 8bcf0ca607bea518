package bapi

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/keys"
)

// jwks serves every published signing key (Clerk's GET /v1/jwks).
func (a *API) jwks(w http.ResponseWriter, r *http.Request) error {
	body, err := keys.JWKS(a.Instance.PublicKeys())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
	return nil
}
