package fapi

import (
	"errors"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
	"github.com/gatehouse/gatehouse/internal/session"
)

// sessionToken is the hot path: one indexed join, no write in the common case,
// and a bare {object:"token", jwt} body.
func (a *API) sessionToken(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	noClient := gatehouse.Err(gatehouse.CodeAuthenticationInvalid)
	if st.token == "" && st.client == nil {
		return noClient
	}
	// loadClient skipped the client lookup (unless a dev browser named the
	// client): MintToken checks the client token and the session together,
	// and only a failure pays for telling an unknown client (401) from an
	// unknown session (404).
	jwt, err := a.mint(r, r.PathValue("id"), r.Header.Get("Origin"))
	var ge *gatehouse.Error
	if st.dvb != nil && errors.As(err, &ge) && ge.Code == gatehouse.CodeResourceNotFound {
		return gatehouse.NotFound("Session")
	}
	if errors.Is(err, session.ErrNoClient) || errors.As(err, &ge) && ge.Code == gatehouse.CodeResourceNotFound {
		if _, cerr := a.Sessions.ClientByToken(r.Context(), st.token); errors.Is(cerr, session.ErrNoClient) {
			return noClient
		} else if cerr != nil {
			return unavailable(cerr)
		}
		return gatehouse.NotFound("Session")
	}
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, tokenJSON{Object: "token", JWT: jwt})
	return nil
}

func (a *API) clientSession(r *http.Request) (*gatehouse.Client, *gatehouse.Session, error) {
	c, err := requireClient(r)
	if err != nil {
		return nil, nil, err
	}
	s, err := a.Sessions.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, nil, err
	}
	if s.ClientID != c.ID {
		return nil, nil, gatehouse.NotFound("Session")
	}
	return c, s, nil
}

func (a *API) getSession(w http.ResponseWriter, r *http.Request) error {
	_, s, err := a.clientSession(r)
	if err != nil {
		return err
	}
	u, err := a.Users.Get(r.Context(), s.UserID)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, a.newSessionJSON(r.Context(), s, u, "", a.Clock.Now()))
}

func (a *API) touchSession(w http.ResponseWriter, r *http.Request) error {
	c, err := requireClient(r)
	if err != nil {
		return err
	}
	s, err := a.Sessions.Touch(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	u, err := a.Users.Get(r.Context(), s.UserID)
	if err != nil {
		return err
	}
	jwt, _ := a.mint(r, s.ID, r.Header.Get("Origin"))
	return a.respond(w, r, http.StatusOK, a.newSessionJSON(r.Context(), s, u, jwt, a.Clock.Now()))
}

func (a *API) endSession(status string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, _, err := a.clientSession(r)
		if err != nil {
			return err
		}
		s, err := a.Sessions.SetStatus(r.Context(), r.PathValue("id"), c.ID, status)
		if err != nil {
			return err
		}
		u, _ := a.Users.Get(r.Context(), s.UserID)
		return a.respond(w, r, http.StatusOK, a.newSessionJSON(r.Context(), s, u, "", a.Clock.Now()))
	}
}

// endAllSessions is clerk-js's signOut() (DELETE /v1/client/sessions).
func (a *API) endAllSessions(w http.ResponseWriter, r *http.Request) error {
	c, err := requireClient(r)
	if err != nil {
		return err
	}
	if err := a.Sessions.EndClientSessions(r.Context(), c); err != nil {
		return err
	}
	cj, _, _, err := a.renderClient(r.Context(), r)
	if err != nil {
		return err
	}
	a.writeCookies(w, r, false, 0)
	httpx.JSON(w, http.StatusOK, envelope{Response: cj, Client: cj})
	return nil
}
