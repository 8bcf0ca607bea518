package fapi

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/flow"
)

func (a *API) createSignIn(w http.ResponseWriter, r *http.Request) error {
	c, err := a.stepClient(r)
	if err != nil {
		return err
	}
	ident, _ := formString(r, "identifier")
	strategy, _ := formString(r, "strategy")
	pw, _ := formString(r, "password")
	res, err := a.Flow.CreateSignIn(r.Context(), c, flow.SignInParams{Identifier: ident, Strategy: strategy, Password: pw})
	adopt(r, res)
	if err != nil {
		return a.failStep(r, err)
	}
	return a.respond(w, r, http.StatusOK, a.newSignInJSON(r.Context(), res.SignIn))
}

func (a *API) getSignIn(w http.ResponseWriter, r *http.Request) error {
	c, err := requireClient(r)
	if err != nil {
		return err
	}
	si, err := a.Flow.GetSignIn(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, a.newSignInJSON(r.Context(), si))
}

func factorParams(r *http.Request) flow.FactorParams {
	var p flow.FactorParams
	p.Strategy, _ = formString(r, "strategy")
	p.EmailAddressID, _ = formString(r, "email_address_id")
	p.Password, _ = formString(r, "password")
	p.Code, _ = formString(r, "code")
	return p
}

func (a *API) prepareFirstFactor(w http.ResponseWriter, r *http.Request) error {
	c, err := requireClient(r)
	if err != nil {
		return err
	}
	res, err := a.Flow.PrepareFirstFactor(r.Context(), c, r.PathValue("id"), factorParams(r))
	if err != nil {
		return err
	}
	adopt(r, res)
	return a.respond(w, r, http.StatusOK, a.newSignInJSON(r.Context(), res.SignIn))
}

func (a *API) attemptFirstFactor(w http.ResponseWriter, r *http.Request) error {
	c, err := requireClient(r)
	if err != nil {
		return err
	}
	res, err := a.Flow.AttemptFirstFactor(r.Context(), c, r.PathValue("id"), factorParams(r))
	if err != nil {
		return err
	}
	adopt(r, res)
	return a.respond(w, r, http.StatusOK, a.newSignInJSON(r.Context(), res.SignIn))
}

func (a *API) resetPassword(w http.ResponseWriter, r *http.Request) error {
	c, err := requireClient(r)
	if err != nil {
		return err
	}
	pw, _ := formString(r, "password")
	res, err := a.Flow.ResetPassword(r.Context(), c, r.PathValue("id"), pw, formBool(r, "sign_out_of_other_sessions"))
	if err != nil {
		return err
	}
	adopt(r, res)
	return a.respond(w, r, http.StatusOK, a.newSignInJSON(r.Context(), res.SignIn))
}
