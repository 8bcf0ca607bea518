package fapi

import (
	"net/http"
	"slices"

	"github.com/gatehouse/gatehouse/internal/flow"
)

// signUpParams reads the sign-up fields of a create or update. The prebuilt
// <SignUp/> posts every field it knows, optional ones empty
// (username=&first_name=&last_name=): an empty optional field is "not
// given", the same as an absent one, on POST and PATCH alike. Only the
// required fields (flow.Required) keep an empty value, so that a missing
// email address or password is reported against the field that is on screen.
func signUpParams(r *http.Request) (flow.SignUpParams, error) {
	meta, err := formJSON(r, "unsafe_metadata")
	if err != nil {
		return flow.SignUpParams{}, err
	}
	field := func(name string) *string {
		v := formPtr(r, name)
		if v != nil && *v == "" && !slices.Contains(flow.Required, name) {
			return nil
		}
		return v
	}
	return flow.SignUpParams{EmailAddress: field("email_address"), Password: field("password"),
		FirstName: field("first_name"), LastName: field("last_name"), Username: field("username"),
		UnsafeMetadata: meta}, nil
}

func (a *API) createSignUp(w http.ResponseWriter, r *http.Request) error {
	p, err := signUpParams(r)
	if err != nil {
		return err
	}
	c, err := a.stepClient(r)
	if err != nil {
		return err
	}
	res, err := a.Flow.CreateSignUp(r.Context(), c, p)
	adopt(r, res)
	if err != nil {
		return a.failStep(r, err)
	}
	return a.respond(w, r, http.StatusOK, newSignUpJSON(res.SignUp))
}

func (a *API) getSignUp(w http.ResponseWriter, r *http.Request) error {
	c, err := requireClient(r)
	if err != nil {
		return err
	}
	su, err := a.Flow.GetSignUp(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, newSignUpJSON(su))
}

func (a *API) updateSignUp(w http.ResponseWriter, r *http.Request) error {
	c, err := requireClient(r)
	if err != nil {
		return err
	}
	p, err := signUpParams(r)
	if err != nil {
		return err
	}
	res, err := a.Flow.UpdateSignUp(r.Context(), c, r.PathValue("id"), p)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, newSignUpJSON(res.SignUp))
}

func (a *API) prepareVerification(w http.ResponseWriter, r *http.Request) error {
	c, err := requireClient(r)
	if err != nil {
		return err
	}
	strategy, _ := formString(r, "strategy")
	res, err := a.Flow.PrepareVerification(r.Context(), c, r.PathValue("id"), strategy)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusOK, newSignUpJSON(res.SignUp))
}

func (a *API) attemptVerification(w http.ResponseWriter, r *http.Request) error {
	c, err := requireClient(r)
	if err != nil {
		return err
	}
	strategy, _ := formString(r, "strategy")
	code, _ := formString(r, "code")
	res, err := a.Flow.AttemptVerification(r.Context(), c, r.PathValue("id"), strategy, code)
	if err != nil {
		return err
	}
	adopt(r, res)
	return a.respond(w, r, http.StatusOK, newSignUpJSON(res.SignUp))
}
