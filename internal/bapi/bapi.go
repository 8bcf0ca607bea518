// Package bapi serves Clerk's Backend API: secret-key bearer auth and the
// user, session and key endpoints the Clerk SDKs call, in Clerk's JSON
// shapes. Handlers only translate between HTTP and the services.
package bapi

import (
	"errors"
	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/keys"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
	"github.com/gatehouse/gatehouse/internal/instance"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/users"
	"github.com/gatehouse/gatehouse/internal/webhook"
)

// Options configure New.
type Options struct {
	Sessions *session.Service
	Instance *instance.Manager
	Users    *users.Service
	Webhooks *webhook.Service
	Clock    gatehouse.Clock
	Limits   *ratelimit.Policy // nil: no rate limits
	Audit    *audit.Log        // nil: no audit events

	PublicURL string // the instance's public URL (absolute image_url)
}

// options is embedded under an unexported name: the handlers read a.Users,
// a.Clock, ... and nothing outside the package sets them after New.
type options = Options

// API serves the Backend API.
type API struct {
	options
}

// New returns the Backend API over o's services.
func New(o Options) *API { return &API{options: o} }

// Handler returns the Backend API mux, rooted at "/" (mount it under
// /api/v1 or /v1 with http.StripPrefix).
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, fn httpx.Handler) { mux.Handle(pattern, fn) }
	h("GET /users", a.listUsers)
	h("GET /users/count", a.countUsers)
	h("POST /users", a.createUser)
	h("GET /users/{id}", a.getUser)
	h("PATCH /users/{id}", a.updateUser)
	h("DELETE /users/{id}", a.deleteUser)
	h("PATCH /users/{id}/metadata", a.mergeMetadata)
	h("PUT /users/{id}/metadata", a.replaceMetadata)
	h("POST /users/{id}/ban", a.ban(true))
	h("POST /users/{id}/unban", a.ban(false))
	h("POST /users/{id}/lock", a.lock)
	h("POST /users/{id}/profile_image", a.setProfileImage)
	h("DELETE /users/{id}/profile_image", a.deleteProfileImage)
	h("POST /users/{id}/unlock", a.unlock)
	h("POST /users/{id}/verify_password", a.verifyPassword)
	h("GET /audit_events", a.listAuditEvents)
	h("GET /jwks", a.jwks)
	h("GET /instance", a.getInstance)
	h("PATCH /instance", a.updateInstance)
	h("GET /sessions", a.listSessions)
	h("GET /sessions/{id}", a.getSession)
	h("POST /sessions/{id}/revoke", a.revokeSession)
	h("POST /sessions/{id}/tokens", a.sessionToken)
	h("GET /clients/handshake_payload", a.handshakePayload)
	a.webhookRoutes(h)
	return a.authenticate(httpx.ValidQuery(httpx.JSONMux(mux)))
}

// passwordLimited applies the limit on requests that hash or verify a
// password (ratelimit.BackendPassword) to the request's secret key, which
// authenticate has already checked. It returns nil or the 429/503 error.
func (a *API) passwordLimited(r *http.Request) error {
	_, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if ge := a.Limits.CheckKey(r.Context(), ratelimit.BackendKey(strings.TrimSpace(token)), ratelimit.BackendPassword); ge != nil {
		return ge
	}
	return nil
}

// authenticate requires "Authorization: Bearer sk_..." with a valid,
// unrevoked secret key. Any failure, including a database error, is a 401 or
// 503: never a pass.
func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authz := r.Header.Get("Authorization")
		scheme, token, ok := strings.Cut(authz, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			httpx.Error(w, r, gatehouse.Err(gatehouse.CodeAuthHeaderFormatInvalid))
			return
		}
		err := a.Instance.AuthenticateSecretKey(r.Context(), strings.TrimSpace(token))
		switch {
		case errors.Is(err, instance.ErrSecretKeyInvalid):
			httpx.Error(w, r, gatehouse.Err(gatehouse.CodeSecretKeyInvalid))
			return
		case err != nil:
			httpx.Logger(r.Context()).Error("secret key check failed", "error", err.Error())
			httpx.Error(w, r, gatehouse.Err(gatehouse.CodeServiceUnavailable).Long("The request could not be authenticated right now. Please retry."))
			return
		}
		if !a.Limits.Allow(w, r, ratelimit.BackendAPI, ratelimit.BackendKey(strings.TrimSpace(token))) {
			return
		}
		a.Audit.SecretKeyUsed(r.Context(), keys.SecretKeyHint(strings.TrimSpace(token)))
		next.ServeHTTP(w, r)
	})
}
