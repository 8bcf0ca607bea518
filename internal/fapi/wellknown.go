package fapi

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpx"
)

func (a *API) jwks(w http.ResponseWriter, r *http.Request) error {
	httpx.RawJSON(w, a.Instance.JWKS(), "public, max-age=300")
	return nil
}

// openidConfiguration is the discovery document verifiers such as Convex read
// (issuer, jwks_uri and the fields the openidconnect crate requires).
func (a *API) openidConfiguration(w http.ResponseWriter, r *http.Request) error {
	iss := a.Sessions.Issuer()
	httpx.JSON(w, http.StatusOK, map[string]any{
		"issuer":                                iss,
		"jwks_uri":                              a.PublicURL + "/.well-known/jwks.json",
		"authorization_endpoint":                a.PublicURL + "/oauth/authorize",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"claims_supported":                      []string{"sub", "iss", "azp", "exp", "iat", "nbf", "sid"},
	})
	return nil
}
