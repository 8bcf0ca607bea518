package bapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
	"github.com/gatehouse/gatehouse/internal/keys"
	"github.com/gatehouse/gatehouse/internal/wire"
)

var sessionStatuses = map[string]bool{"active": true, "ended": true, "removed": true, "revoked": true, "expired": true,
	"abandoned": true, "replaced": true, "pending": true}

func (a *API) listSessions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := gatehouse.SessionFilter{Status: q.Get("status"), Limit: 10}
	var err error
	if f.UserID, err = idParam(q, "user_id", gatehouse.PrefixUser); err != nil {
		return err
	}
	if f.ClientID, err = idParam(q, "client_id", gatehouse.PrefixClient); err != nil {
		return err
	}
	if f.UserID == "" && f.ClientID == "" {
		return gatehouse.Err(gatehouse.CodeParamMissing).Long("Either user_id or client_id must be given.").Param("user_id")
	}
	if f.Status != "" && !sessionStatuses[f.Status] {
		return gatehouse.ParamInvalid("status", "status must be a session status such as active or revoked.")
	}
	if err := paging(q, &f.Limit, &f.Offset); err != nil {
		return err
	}
	list, err := a.Sessions.List(r.Context(), f)
	if err != nil {
		return err
	}
	now := a.Clock.Now().UnixMilli()
	out := make([]wire.Session, len(list))
	for i, s := range list {
		out[i] = wire.NewSession(s, now)
	}
	httpx.JSON(w, http.StatusOK, out)
	return nil
}

func (a *API) getSession(w http.ResponseWriter, r *http.Request) error {
	s, err := a.Sessions.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, wire.NewSession(s, a.Clock.Now().UnixMilli()))
	return nil
}

func (a *API) revokeSession(w http.ResponseWriter, r *http.Request) error {
	s, err := a.Sessions.SetStatus(r.Context(), r.PathValue("id"), "", gatehouse.SessionRevoked)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, wire.NewSession(s, a.Clock.Now().UnixMilli()))
	return nil
}

// sessionToken mints a session token server-side (auth().getToken()).
func (a *API) sessionToken(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		ExpiresInSeconds *json.Number `json:"expires_in_seconds"`
	}
	if err := httpx.Decode(r, &b); err != nil {
		return err
	}
	var life time.Duration
	if b.ExpiresInSeconds != nil {
		n, err := b.ExpiresInSeconds.Int64()
		if err != nil || n < 30 || n > 315360000 {
			return gatehouse.ParamInvalid("expires_in_seconds", "expires_in_seconds must be a whole number from 30 to 315360000.")
		}
		life = time.Duration(n) * time.Second
	}
	jwt, err := a.Sessions.MintForSession(r.Context(), r.PathValue("id"), life)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]string{"object": "token", "jwt": jwt})
	return nil
}

// handshakePayload redeems a handshake nonce once: {"directives": [...]}.
func (a *API) handshakePayload(w http.ResponseWriter, r *http.Request) error {
	nonce := r.URL.Query().Get("nonce")
	if nonce == "" || len(nonce) > 256 {
		return gatehouse.ParamMissing("nonce")
	}
	raw, err := a.Sessions.ReadHandshake(r.Context(), keys.HashToken(nonce))
	if errors.Is(err, gatehouse.ErrNotFound) {
		return gatehouse.NotFound("Handshake nonce")
	}
	if err != nil {
		return err
	}
	var directives []string
	if err := json.Unmarshal([]byte(raw), &directives); err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"directives": directives})
	return nil
}
