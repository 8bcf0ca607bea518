package pages

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/flow"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
)

// limited renders a 429/503 from the shared rate limits onto p; it reports
// whether the request was refused.
func (a *Pages) limited(w http.ResponseWriter, r *http.Request, p *page, name string, rules ...ratelimit.Rule) bool {
	ge := a.limits.Check(r, rules...)
	if ge == nil {
		return false
	}
	_ = a.renderFlowError(w, p, name, ge) // a *gatehouse.Error always renders
	return true
}

func withRedirect(path string, p *page, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	if p.RedirectURL != "" {
		q.Set("redirect_url", p.RedirectURL)
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

func (a *Pages) signInPage(w http.ResponseWriter, r *http.Request) error {
	p := a.newPage(w, r, "Sign in")
	if a.c.SignedIn(r) {
		a.finish(w, r, p)
		return nil
	}
	p.Subtitle = "to continue to " + p.AppName
	a.render(w, http.StatusOK, "sign-in", p)
	return nil
}

func (a *Pages) signInSubmit(w http.ResponseWriter, r *http.Request) error {
	p := a.newPage(w, r, "Sign in")
	p.Subtitle = "to continue to " + p.AppName
	ident := a.c.FormValue(r, "identifier")
	ident = strings.TrimSpace(ident)
	pw := a.c.FormValue(r, "password")
	action := a.c.FormValue(r, "action")
	p.Values["identifier"] = ident
	rules := []ratelimit.Rule{ratelimit.SignInCreate}
	if action != "code" && action != "reset" {
		action = "password"
		rules = append(rules, ratelimit.SignInAttempt)
	}
	if ident == "" {
		p.Errors["identifier"], p.FormError = "Enter your email address or username.", "Please fix the highlighted field."
	} else if action == "password" && pw == "" {
		p.Errors["password"], p.FormError = "Enter your password.", "Please fix the highlighted field."
	}
	if p.FormError != "" {
		a.render(w, http.StatusUnprocessableEntity, "sign-in", p)
		return nil
	}
	if a.limited(w, r, p, "sign-in", rules...) {
		return nil
	}
	c, err := a.c.EnsureClient(r)
	if err != nil {
		return err
	}
	params := flow.SignInParams{Identifier: ident, Strategy: flow.StrategyPassword, Password: pw}
	switch action {
	case "code":
		params = flow.SignInParams{Identifier: ident, Strategy: flow.StrategyEmailCode}
	case "reset":
		params = flow.SignInParams{Identifier: ident, Strategy: flow.StrategyResetEmailCode}
	}
	res, err := a.flow.CreateSignIn(r.Context(), c, params)
	if err != nil {
		return a.renderFlowError(w, p, "sign-in", err, "identifier", "password")
	}
	a.c.ClientRotated(r, res.ClientToken)
	if res.SignIn.Status == flow.Complete {
		a.finish(w, r, p)
		return nil
	}
	a.c.WriteClientCookies(w, r, false, 0)
	http.Redirect(w, r, withRedirect("/sign-in/code", p, "sia", res.SignIn.ID), http.StatusSeeOther)
	return nil
}

// codeState loads the sign-in a code page is about.
func (a *Pages) codeState(w http.ResponseWriter, r *http.Request) (*page, *flow.SignIn, bool) {
	id := a.param(r, "sia")
	p := a.newPage(w, r, "Check your email")
	c, err := a.c.RequireClient(r)
	var si *flow.SignIn
	if err == nil {
		si, err = a.flow.GetSignIn(r.Context(), c, id)
	}
	if err != nil || si.FirstFactor == nil || si.Status != flow.NeedsFirstFactor {
		a.gone(w, p, "This link has expired", "This sign-in is no longer waiting for a code. Please start again.", withRedirect("/sign-in", p))
		return nil, nil, false
	}
	if si.FirstFactor.Strategy == flow.StrategyResetEmailCode {
		p.Title = "Reset your password"
	}
	p.Subtitle = "We emailed a 6-digit code to " + si.Identifier + ". It expires in 10 minutes."
	p.Action, p.IDName, p.AttemptID, p.BackURL = "/sign-in/code", "sia", si.ID, withRedirect("/sign-in", p)
	return p, si, true
}

func (a *Pages) codePage(w http.ResponseWriter, r *http.Request) error {
	if p, _, ok := a.codeState(w, r); ok {
		a.render(w, http.StatusOK, "code", p)
	}
	return nil
}

func (a *Pages) codeSubmit(w http.ResponseWriter, r *http.Request) error {
	p, si, ok := a.codeState(w, r)
	if !ok {
		return nil
	}
	code, ok := a.readCode(w, r, p, ratelimit.SignInAttempt)
	if !ok {
		return nil
	}
	c, _ := a.c.RequireClient(r)
	res, err := a.flow.AttemptFirstFactor(r.Context(), c, si.ID, flow.FactorParams{Strategy: si.FirstFactor.Strategy, Code: code})
	if err != nil {
		return a.renderFlowError(w, p, "code", err, "code")
	}
	a.c.ClientRotated(r, res.ClientToken)
	switch res.SignIn.Status {
	case flow.Complete:
		a.finish(w, r, p)
	case flow.NeedsNewPassword:
		http.Redirect(w, r, withRedirect("/sign-in/new-password", p, "sia", si.ID), http.StatusSeeOther)
	default:
		p.FormError = "This sign-in needs a step these pages do not offer yet."
		a.render(w, http.StatusConflict, "code", p)
	}
	return nil
}

func (a *Pages) newPasswordState(w http.ResponseWriter, r *http.Request) (*page, string, bool) {
	id := a.param(r, "sia")
	p := a.newPage(w, r, "Choose a new password")
	c, err := a.c.RequireClient(r)
	var si *flow.SignIn
	if err == nil {
		si, err = a.flow.GetSignIn(r.Context(), c, id)
	}
	if err != nil || si.Status != flow.NeedsNewPassword {
		a.gone(w, p, "This link has expired", "This password reset is no longer active. Please start again.", withRedirect("/sign-in", p))
		return nil, "", false
	}
	p.Username, p.AttemptID = si.Identifier, si.ID
	return p, si.ID, true
}

func (a *Pages) newPasswordPage(w http.ResponseWriter, r *http.Request) error {
	if p, _, ok := a.newPasswordState(w, r); ok {
		a.render(w, http.StatusOK, "new-password", p)
	}
	return nil
}

func (a *Pages) newPasswordSubmit(w http.ResponseWriter, r *http.Request) error {
	p, id, ok := a.newPasswordState(w, r)
	if !ok {
		return nil
	}
	pw := a.c.FormValue(r, "password")
	if a.limited(w, r, p, "new-password", ratelimit.SignInAttempt) {
		return nil
	}
	c, _ := a.c.RequireClient(r)
	res, err := a.flow.ResetPassword(r.Context(), c, id, pw, a.c.FormBool(r, "sign_out_of_other_sessions"))
	if err != nil {
		return a.renderFlowError(w, p, "new-password", err, "password")
	}
	a.c.ClientRotated(r, res.ClientToken)
	a.finish(w, r, p)
	return nil
}

func (a *Pages) signUpPage(w http.ResponseWriter, r *http.Request) error {
	p := a.newPage(w, r, "Create your account")
	if a.c.SignedIn(r) {
		a.finish(w, r, p)
		return nil
	}
	p.Subtitle = "to continue to " + p.AppName
	a.render(w, http.StatusOK, "sign-up", p)
	return nil
}

func (a *Pages) optional(r *http.Request, name string, p *page) *string {
	v := a.c.FormValue(r, name)
	v = strings.TrimSpace(v)
	p.Values[name] = v
	if v == "" {
		return nil
	}
	return &v
}

func (a *Pages) signUpSubmit(w http.ResponseWriter, r *http.Request) error {
	p := a.newPage(w, r, "Create your account")
	p.Subtitle = "to continue to " + p.AppName
	params := flow.SignUpParams{FirstName: a.optional(r, "first_name", p), LastName: a.optional(r, "last_name", p),
		EmailAddress: a.optional(r, "email_address", p)}
	if pw := a.c.FormValue(r, "password"); pw != "" {
		params.Password = &pw
	}
	if params.EmailAddress == nil {
		p.Errors["email_address"] = "Enter your email address."
	}
	if params.Password == nil {
		p.Errors["password"] = "Choose a password."
	}
	if len(p.Errors) > 0 {
		p.FormError = "Please fix the highlighted fields."
		a.render(w, http.StatusUnprocessableEntity, "sign-up", p)
		return nil
	}
	if a.limited(w, r, p, "sign-up", ratelimit.SignUpCreate) {
		return nil
	}
	c, err := a.c.EnsureClient(r)
	if err != nil {
		return err
	}
	res, err := a.flow.CreateSignUp(r.Context(), c, params)
	if err == nil {
		res, err = a.flow.PrepareVerification(r.Context(), c, res.SignUp.ID, "email_code")
	}
	if err != nil {
		return a.renderFlowError(w, p, "sign-up", err, "email_address", "password", "first_name", "last_name")
	}
	a.c.WriteClientCookies(w, r, false, 0)
	http.Redirect(w, r, withRedirect("/sign-up/verify", p, "sua", res.SignUp.ID), http.StatusSeeOther)
	return nil
}

func (a *Pages) verifyState(w http.ResponseWriter, r *http.Request) (*page, *flow.SignUp, bool) {
	id := a.param(r, "sua")
	p := a.newPage(w, r, "Verify your email")
	c, err := a.c.RequireClient(r)
	var su *flow.SignUp
	if err == nil {
		su, err = a.flow.GetSignUp(r.Context(), c, id)
	}
	if err != nil || su.Status == flow.Complete {
		a.gone(w, p, "This link has expired", "This sign-up is no longer waiting for a code. Please start again.", withRedirect("/sign-up", p))
		return nil, nil, false
	}
	p.Subtitle = "We emailed a 6-digit code to " + su.EmailAddress + ". It expires in 10 minutes."
	p.Action, p.IDName, p.AttemptID, p.BackURL = "/sign-up/verify", "sua", su.ID, withRedirect("/sign-up", p)
	return p, su, true
}

func (a *Pages) verifyPage(w http.ResponseWriter, r *http.Request) error {
	if p, _, ok := a.verifyState(w, r); ok {
		a.render(w, http.StatusOK, "code", p)
	}
	return nil
}

func (a *Pages) verifySubmit(w http.ResponseWriter, r *http.Request) error {
	p, su, ok := a.verifyState(w, r)
	if !ok {
		return nil
	}
	code, ok := a.readCode(w, r, p, ratelimit.SignUpAttempt)
	if !ok {
		return nil
	}
	c, _ := a.c.RequireClient(r)
	res, err := a.flow.AttemptVerification(r.Context(), c, su.ID, "email_code", code)
	if err != nil {
		return a.renderFlowError(w, p, "code", err, "code")
	}
	a.c.ClientRotated(r, res.ClientToken)
	if res.SignUp.Status != flow.Complete {
		p.FormError = "Your account needs details these pages do not collect yet."
		a.render(w, http.StatusConflict, "code", p)
		return nil
	}
	a.finish(w, r, p)
	return nil
}
