package pages

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"github.com/gatehouse/gatehouse/internal/users"
)

// The profile page's email addresses: add (with a code), verify, make
// primary, remove.

func (a *Pages) addEmailSubmit(w http.ResponseWriter, r *http.Request) error {
	p, _, u, ok := a.profile(w, r, "")
	if !ok {
		return nil
	}
	addr := a.c.FormValue(r, "email_address")
	addr = strings.TrimSpace(addr)
	p.Values["email_address"] = addr
	if addr == "" {
		p.Errors["email_address"], p.FormError = "Enter the email address to add.", "Please fix the highlighted field."
		a.render(w, http.StatusUnprocessableEntity, "user", p)
		return nil
	}
	idn, err := a.users.AddEmail(r.Context(), u.ID, addr)
	if err == nil {
		u, err = a.users.Get(r.Context(), u.ID)
	}
	if err == nil {
		_, err = a.flow.PrepareEmailVerification(r.Context(), u, idn.ID)
	}
	if err != nil {
		return a.renderFlowError(w, p, "user", err, "email_address")
	}
	http.Redirect(w, r, "/user/emails/verify?email_id="+url.QueryEscape(idn.ID), http.StatusSeeOther)
	return nil
}

// emailState loads the address a verification page is about.
func (a *Pages) emailState(w http.ResponseWriter, r *http.Request) (*page, *gatehouse.User, string, bool) {
	id := a.param(r, "email_id")
	p := a.newPage(w, r, "Verify your email address")
	_, u, err := a.c.CurrentUser(r)
	if err != nil {
		http.Redirect(w, r, "/sign-in?redirect_url="+url.QueryEscape(a.publicURL+"/user"), http.StatusSeeOther)
		return nil, nil, "", false
	}
	if e := u.EmailByID(id); e != nil && e.VerificationStatus != gatehouse.VerificationVerified {
		p.Subtitle = "We emailed a 6-digit code to " + e.Value + ". It expires in 10 minutes."
		p.Action, p.IDName, p.AttemptID, p.BackURL = "/user/emails/verify", "email_id", e.ID, "/user"
		return p, u, e.ID, true
	}
	a.gone(w, p, "Nothing to verify", "This address is verified already or no longer on your account.", "/user")
	return nil, nil, "", false
}

func (a *Pages) verifyEmailPage(w http.ResponseWriter, r *http.Request) error {
	if p, _, _, ok := a.emailState(w, r); ok {
		a.render(w, http.StatusOK, "code", p)
	}
	return nil
}

// resendEmailSubmit mails a fresh code for an unverified address.
func (a *Pages) resendEmailSubmit(w http.ResponseWriter, r *http.Request) error {
	p, u, id, ok := a.emailState(w, r)
	if !ok {
		return nil
	}
	if _, err := a.flow.PrepareEmailVerification(r.Context(), u, id); err != nil {
		return a.renderFlowError(w, p, "code", err, "code")
	}
	http.Redirect(w, r, "/user/emails/verify?email_id="+url.QueryEscape(id), http.StatusSeeOther)
	return nil
}

func (a *Pages) verifyEmailSubmit(w http.ResponseWriter, r *http.Request) error {
	p, u, id, ok := a.emailState(w, r)
	if !ok {
		return nil
	}
	code, ok := a.readCode(w, r, p, ratelimit.SignUpAttempt)
	if !ok {
		return nil
	}
	if _, err := a.flow.AttemptEmailVerification(r.Context(), u, id, strings.TrimSpace(code)); err != nil {
		return a.renderFlowError(w, p, "code", err, "code")
	}
	http.Redirect(w, r, "/user?done=email-verified", http.StatusSeeOther)
	return nil
}

func (a *Pages) primaryEmailSubmit(w http.ResponseWriter, r *http.Request) error {
	p, _, u, ok := a.profile(w, r, "")
	if !ok {
		return nil
	}
	id := a.c.FormValue(r, "email_id")
	if _, err := a.users.Update(r.Context(), u.ID, users.UpdateParams{PrimaryEmailAddressID: gatehouse.Some(id)}); err != nil {
		return a.renderFlowError(w, p, "user", err)
	}
	http.Redirect(w, r, "/user?done=primary", http.StatusSeeOther)
	return nil
}

func (a *Pages) removeEmailSubmit(w http.ResponseWriter, r *http.Request) error {
	p, _, u, ok := a.profile(w, r, "")
	if !ok {
		return nil
	}
	id := a.c.FormValue(r, "email_id")
	if _, err := a.users.RemoveEmail(r.Context(), u.ID, id); err != nil {
		return a.renderFlowError(w, p, "user", err)
	}
	http.Redirect(w, r, "/user?done=email-removed", http.StatusSeeOther)
	return nil
}
