package bapi

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpx"
)

// jwks serves every published signing key (Clerk's GET /v1/jwks).
func (a *API) jwks(w http.ResponseWriter, r *http.Request) error {
	httpx.RawJSON(w, a.Instance.JWKS(), "no-store")
	return nil
}
