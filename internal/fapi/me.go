package fapi

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/users"
	"github.com/gatehouse/gatehouse/internal/wire"
)

func (a *API) me(r *http.Request) (*gatehouse.Session, *gatehouse.User, error) {
	_, s, err := a.currentSession(r)
	if err != nil {
		return nil, nil, err
	}
	u, err := a.Users.Get(r.Context(), s.UserID)
	return s, u, err
}

func (a *API) getMe(w http.ResponseWriter, r *http.Request) error {
	_, u, err := a.me(r)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, wire.NewUser(u, wire.UserOptions{Now: a.Clock.Now(), PublicURL: a.base(r.Context())}))
}

// updateMe lets a user change their own names, username and unsafe_metadata.
// Anything else (verification state, public/private metadata, ...) is not
// writable from the frontend and is rejected by name.
func (a *API) updateMe(w http.ResponseWriter, r *http.Request) error {
	_, u, err := a.me(r)
	if err != nil {
		return err
	}
	var p users.UpdateParams
	for k := range state(r).form {
		switch k {
		case "first_name":
			p.FirstName = optFrom(r, k)
		case "last_name":
			p.LastName = optFrom(r, k)
		case "username":
			p.Username = optFrom(r, k)
		case "primary_email_address_id":
			p.PrimaryEmailAddressID = optFrom(r, k)
		case "unsafe_metadata":
			m, err := formJSON(r, k)
			if err != nil {
				return err
			}
			p.UnsafeMetadata = gatehouse.Opt[map[string]any]{Set: true, Value: m, Null: m == nil}
		default:
			return gatehouse.ParamUnknown(k)
		}
	}
	u, err = a.Users.Update(r.Context(), u.ID, p)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, wire.NewUser(u, wire.UserOptions{Now: a.Clock.Now(), PublicURL: a.base(r.Context())}))
}

func optFrom(r *http.Request, name string) gatehouse.Opt[string] {
	v, _ := formString(r, name)
	if v == "" {
		return gatehouse.Opt[string]{Set: true, Null: true}
	}
	return gatehouse.Some(v)
}

// changePassword needs the current password (when one is set) and can sign
// out every other session.
func (a *API) changePassword(w http.ResponseWriter, r *http.Request) error {
	s, u, err := a.me(r)
	if err != nil {
		return err
	}
	cur, _ := formString(r, "current_password")
	next, _ := formString(r, "new_password")
	u, err = a.changeOwnPassword(r, s, u, cur, next, formBool(r, "sign_out_of_other_sessions"))
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, wire.NewUser(u, wire.UserOptions{Now: a.Clock.Now(), PublicURL: a.base(r.Context())}))
}

// changeOwnPassword checks the current password (when the user has one),
// sets the new one under the password policy and optionally signs out every
// other session: shared by the FAPI and the profile page.
func (a *API) changeOwnPassword(r *http.Request, s *gatehouse.Session, u *gatehouse.User, cur, next string, signOutOthers bool) (*gatehouse.User, error) {
	if next == "" {
		return nil, gatehouse.ParamMissing("new_password")
	}
	if u.PasswordEnabled() {
		// A guess at the password: locked accounts are refused and wrong
		// answers count toward the lockout, as in sign-in.
		if err := a.Flow.CheckCurrentPassword(r.Context(), u, cur); err != nil {
			return nil, err
		}
	}
	u, err := a.Users.Update(r.Context(), u.ID, users.UpdateParams{Password: gatehouse.Some(next)})
	if err != nil {
		return nil, err
	}
	if signOutOthers {
		if err := a.Sessions.RevokeOtherSessions(r.Context(), u.ID, s.ID); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// activeSessions lists the user's live sessions on every device.
func (a *API) activeSessions(w http.ResponseWriter, r *http.Request) error {
	_, u, err := a.me(r)
	if err != nil {
		return err
	}
	list, err := a.Sessions.List(r.Context(), gatehouse.SessionFilter{UserID: u.ID, Status: gatehouse.SessionActive})
	if err != nil {
		return err
	}
	now := a.Clock.Now()
	out := []sessionJSON{}
	for _, s := range list {
		if s.EffectiveStatus(now.UnixMilli()) == gatehouse.SessionActive {
			out = append(out, a.newSessionJSON(r.Context(), s, u, "", now))
		}
	}
	return a.respond(w, r, http.StatusOK, out)
}

func (a *API) revokeMySession(w http.ResponseWriter, r *http.Request) error {
	_, u, err := a.me(r)
	if err != nil {
		return err
	}
	target, err := a.Sessions.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if target.UserID != u.ID {
		return gatehouse.NotFound("Session")
	}
	s, err := a.Sessions.SetStatus(r.Context(), target.ID, "", gatehouse.SessionRevoked)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, a.newSessionJSON(r.Context(), s, u, "", a.Clock.Now()))
}
