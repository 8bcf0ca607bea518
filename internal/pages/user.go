package pages

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"github.com/gatehouse/gatehouse/internal/users"
)

// profile loads the signed-in user for the profile pages; a signed-out
// browser is sent to sign in and come back.
func (a *Pages) profile(w http.ResponseWriter, r *http.Request, notice string) (*page, *gatehouse.Session, *gatehouse.User, bool) {
	p := a.newPage(w, r, "Your account")
	s, u, err := a.c.CurrentUser(r)
	if err != nil {
		http.Redirect(w, r, "/sign-in?redirect_url="+url.QueryEscape(a.publicURL+"/user"), http.StatusSeeOther)
		return nil, nil, nil, false
	}
	p.Notice = notice
	p.Values["first_name"], p.Values["last_name"] = deref(u.FirstName), deref(u.LastName)
	if e, ok := u.PrimaryEmail(); ok {
		p.Username = e.Value
	}
	for _, e := range u.EmailAddresses {
		p.Emails = append(p.Emails, emailView{ID: e.ID, Value: e.Value, Primary: u.PrimaryEmailAddressID != nil && *u.PrimaryEmailAddressID == e.ID,
			Verified: e.VerificationStatus == gatehouse.VerificationVerified})
	}
	now := a.clock.Now()
	list, err := a.sessions.List(r.Context(), gatehouse.SessionFilter{UserID: u.ID, Status: gatehouse.SessionActive})
	if err == nil {
		for _, x := range list {
			if x.EffectiveStatus(now.UnixMilli()) == gatehouse.SessionActive {
				p.Sessions = append(p.Sessions, sessionView{ID: x.ID, Current: x.ID == s.ID, Created: ago(x.CreatedAt, now), Active: ago(x.LastActiveAt, now)})
			}
		}
	}
	p.CanDelete = u.DeleteSelfEnabled
	return p, s, u, true
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (a *Pages) userPage(w http.ResponseWriter, r *http.Request) error {
	notice := map[string]string{"profile": "Profile saved.", "password": "Password changed.", "revoked": "The device was signed out.",
		"email-verified": "Email address verified.", "primary": "Primary email address changed.", "email-removed": "Email address removed."}[r.URL.Query().Get("done")]
	if p, _, _, ok := a.profile(w, r, notice); ok {
		a.render(w, http.StatusOK, "user", p)
	}
	return nil
}

func (a *Pages) profileSubmit(w http.ResponseWriter, r *http.Request) error {
	p, _, u, ok := a.profile(w, r, "")
	if !ok {
		return nil
	}
	first := a.c.FormValue(r, "first_name")
	last := a.c.FormValue(r, "last_name")
	p.Values["first_name"], p.Values["last_name"] = first, last
	_, err := a.users.Update(r.Context(), u.ID, users.UpdateParams{FirstName: optOrNull(first), LastName: optOrNull(last)})
	if err != nil {
		return a.renderFlowError(w, p, "user", err, "first_name", "last_name")
	}
	http.Redirect(w, r, "/user?done=profile", http.StatusSeeOther)
	return nil
}

func optOrNull(v string) gatehouse.Opt[string] {
	v = strings.TrimSpace(v)
	if v == "" {
		return gatehouse.Opt[string]{Set: true, Null: true}
	}
	return gatehouse.Some(v)
}

func (a *Pages) passwordSubmit(w http.ResponseWriter, r *http.Request) error {
	p, s, u, ok := a.profile(w, r, "")
	if !ok {
		return nil
	}
	cur := a.c.FormValue(r, "current_password")
	next := a.c.FormValue(r, "new_password")
	if a.limited(w, r, p, "user", ratelimit.ChangePassword) {
		return nil
	}
	if _, err := a.c.ChangeOwnPassword(r, s, u, cur, next, a.c.FormBool(r, "sign_out_of_other_sessions")); err != nil {
		return a.renderFlowError(w, p, "user", err, "current_password", "new_password")
	}
	http.Redirect(w, r, "/user?done=password", http.StatusSeeOther)
	return nil
}

func (a *Pages) revokeSubmit(w http.ResponseWriter, r *http.Request) error {
	p, s, u, ok := a.profile(w, r, "")
	if !ok {
		return nil
	}
	id := a.c.FormValue(r, "session_id")
	target, err := a.sessions.Get(r.Context(), id)
	if err != nil || target.UserID != u.ID || target.ID == s.ID {
		p.FormError = "That device is not one of your other signed-in devices."
		a.render(w, http.StatusNotFound, "user", p)
		return nil
	}
	if _, err := a.sessions.SetStatus(r.Context(), target.ID, "", gatehouse.SessionRevoked); err != nil {
		return err
	}
	http.Redirect(w, r, "/user?done=revoked", http.StatusSeeOther)
	return nil
}

func (a *Pages) deleteSubmit(w http.ResponseWriter, r *http.Request) error {
	p, _, u, ok := a.profile(w, r, "")
	if !ok {
		return nil
	}
	if !u.DeleteSelfEnabled {
		p.FormError = "Deleting your own account is turned off for this application."
		a.render(w, http.StatusForbidden, "user", p)
		return nil
	}
	if v := a.c.FormValue(r, "confirm"); strings.TrimSpace(v) != "DELETE" {
		p.Errors["confirm"], p.FormError = "Type DELETE (in capitals) to confirm.", "Please fix the highlighted field."
		a.render(w, http.StatusUnprocessableEntity, "user", p)
		return nil
	}
	if err := a.users.Delete(r.Context(), u.ID); err != nil {
		return err
	}
	a.c.ClearClient(w, r)
	http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
	return nil
}

func (a *Pages) signOutSubmit(w http.ResponseWriter, r *http.Request) error {
	if c, err := a.c.RequireClient(r); err == nil {
		if err := a.sessions.EndClientSessions(r.Context(), c); err != nil {
			return err
		}
	}
	a.c.ClearClient(w, r)
	p := a.newPage(w, r, "Signed out")
	target := "/sign-in"
	if p.RedirectURL != "" {
		target = p.RedirectURL
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}
