package fapi

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/wire"
)

// The signed-in user's email addresses (Clerk's /v1/me/email_addresses).

func (a *API) listMyEmails(w http.ResponseWriter, r *http.Request) error {
	_, u, err := a.me(r)
	if err != nil {
		return err
	}
	out := []wire.Identification{}
	for _, e := range u.EmailAddresses {
		out = append(out, wire.NewIdentification(e))
	}
	return a.respond(w, r, http.StatusOK, out)
}

func (a *API) addMyEmail(w http.ResponseWriter, r *http.Request) error {
	_, u, err := a.me(r)
	if err != nil {
		return err
	}
	addr, ok := formString(r, "email_address")
	if !ok || addr == "" {
		return gatehouse.ParamMissing("email_address")
	}
	idn, err := a.Users.AddEmail(r.Context(), u.ID, addr)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, wire.NewIdentification(*idn))
}

// myEmail reloads the user and finds one of their addresses by path id.
func (a *API) myEmail(r *http.Request) (*gatehouse.User, *gatehouse.Identification, error) {
	_, u, err := a.me(r)
	if err != nil {
		return nil, nil, err
	}
	if e := u.EmailByID(r.PathValue("id")); e != nil {
		return u, e, nil
	}
	return nil, nil, gatehouse.NotFound("Email address")
}

func (a *API) prepareMyEmail(w http.ResponseWriter, r *http.Request) error {
	u, e, err := a.myEmail(r)
	if err != nil {
		return err
	}
	if s, _ := formString(r, "strategy"); s != "" && s != "email_code" {
		return gatehouse.ParamInvalid("strategy", "strategy must be email_code.")
	}
	if _, err := a.Flow.PrepareEmailVerification(r.Context(), u, e.ID); err != nil {
		return err
	}
	return a.respondEmail(w, r, u.ID, e.ID)
}

func (a *API) attemptMyEmail(w http.ResponseWriter, r *http.Request) error {
	u, e, err := a.myEmail(r)
	if err != nil {
		return err
	}
	code, _ := formString(r, "code")
	if _, err := a.Flow.AttemptEmailVerification(r.Context(), u, e.ID, code); err != nil {
		return err
	}
	return a.respondEmail(w, r, u.ID, e.ID)
}

func (a *API) deleteMyEmail(w http.ResponseWriter, r *http.Request) error {
	u, e, err := a.myEmail(r)
	if err != nil {
		return err
	}
	if _, err := a.Users.RemoveEmail(r.Context(), u.ID, e.ID); err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, map[string]any{"object": "email_address", "id": e.ID, "deleted": true})
}

func (a *API) respondEmail(w http.ResponseWriter, r *http.Request, userID, id string) error {
	u, err := a.Users.Get(r.Context(), userID)
	if err != nil {
		return err
	}
	if e := u.EmailByID(id); e != nil {
		return a.respond(w, r, http.StatusOK, wire.NewIdentification(*e))
	}
	return gatehouse.NotFound("Email address")
}
