package fapi

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/flow"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/users"
	"github.com/gatehouse/gatehouse/internal/wire"
)

type tokenJSON struct {
	Object string `json:"object"`
	JWT    string `json:"jwt"`
}

type publicUserData struct {
	FirstName  *string `json:"first_name"`
	LastName   *string `json:"last_name"`
	ImageURL   string  `json:"image_url"`
	HasImage   bool    `json:"has_image"`
	Identifier string  `json:"identifier"`
	Username   *string `json:"username"`
}

type sessionJSON struct {
	Object                   string         `json:"object"`
	ID                       string         `json:"id"`
	Status                   string         `json:"status"`
	ExpireAt                 int64          `json:"expire_at"`
	AbandonAt                *int64         `json:"abandon_at"`
	LastActiveAt             int64          `json:"last_active_at"`
	LastActiveToken          *tokenJSON     `json:"last_active_token"`
	LastActiveOrganizationID *string        `json:"last_active_organization_id"`
	Actor                    any            `json:"actor"`
	Tasks                    any            `json:"tasks"`
	User                     *wire.User     `json:"user"`
	PublicUserData           publicUserData `json:"public_user_data"`
	FactorVerificationAge    []int          `json:"factor_verification_age"`
	CreatedAt                int64          `json:"created_at"`
	UpdatedAt                int64          `json:"updated_at"`
}

func ageMin(at *int64, now int64) int {
	if at == nil {
		return -1
	}
	return int((now - *at) / 60000)
}

func (a *API) newSessionJSON(ctx context.Context, s *gatehouse.Session, u *gatehouse.User, jwt string, now time.Time) sessionJSON {
	out := sessionJSON{Object: "session", ID: s.ID, Status: s.EffectiveStatus(now.UnixMilli()), ExpireAt: s.ExpireAt,
		AbandonAt: s.AbandonAt, LastActiveAt: s.LastActiveAt, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
		FactorVerificationAge: []int{ageMin(s.Factor1At, now.UnixMilli()), ageMin(s.Factor2At, now.UnixMilli())}}
	if jwt != "" {
		out.LastActiveToken = &tokenJSON{Object: "token", JWT: jwt}
	}
	if u != nil {
		wu := wire.NewUser(u, wire.UserOptions{Now: now, PublicURL: a.base(ctx)})
		out.User = &wu
		ident := ""
		if e, ok := u.PrimaryEmail(); ok {
			ident = e.Value
		}
		out.PublicUserData = publicUserData{FirstName: u.FirstName, LastName: u.LastName, ImageURL: wire.ImageURL(u, a.base(ctx)),
			HasImage: u.ImageURL != "", Identifier: ident, Username: u.Username}
	}
	return out
}

// verificationJSON is a verification as clerk-js reads it. One rule for
// every verification the FAPI renders (sign-in factors, sign-up fields):
// an object with status "unverified" and strategy "email_code" means "a code
// was sent and can be attempted", so that shape, with its expire_at
// (Unix ms) and attempts, appears only once a code was prepared. Before
// that the sign-in factor is null and the sign-up field carries only
// next_action "needs_prepare" (strategy, attempts and expire_at null): the
// prebuilt cards prepare (send) a code exactly when they do not see a
// pending one.
type verificationJSON struct {
	Object              string   `json:"object"`
	Status              string   `json:"status"`
	Strategy            *string  `json:"strategy"`
	Attempts            *int     `json:"attempts"`
	ExpireAt            *int64   `json:"expire_at"`
	NextAction          *string  `json:"next_action,omitempty"`
	SupportedStrategies []string `json:"supported_strategies,omitempty"`
}

func newVerificationJSON(v *flow.Verification) *verificationJSON {
	if v == nil {
		return nil
	}
	strategy, attempts := v.Strategy, v.Attempts
	return &verificationJSON{Object: "verification", Status: v.Status, Strategy: &strategy, Attempts: &attempts, ExpireAt: v.ExpireAt}
}

// newSignUpVerificationJSON renders a sign-up field's verification: nil
// (nothing prepared yet) becomes "needs_prepare"; a prepared one gets
// next_action "needs_attempt" until it is verified. Both carry the
// strategies the field supports.
func newSignUpVerificationJSON(v *flow.Verification, supported []string) *verificationJSON {
	out, next := newVerificationJSON(v), ""
	switch {
	case out == nil:
		out, next = &verificationJSON{Object: "verification", Status: gatehouse.VerificationUnverified}, "needs_prepare"
	case v.Status == gatehouse.VerificationUnverified:
		next = "needs_attempt"
	}
	out.NextAction, out.SupportedStrategies = &next, supported
	return out
}

type factorJSON struct {
	Strategy       string `json:"strategy"`
	SafeIdentifier string `json:"safe_identifier,omitempty"`
	EmailAddressID string `json:"email_address_id,omitempty"`
	Primary        *bool  `json:"primary,omitempty"`
}

type signInJSON struct {
	Object                   string            `json:"object"`
	ID                       string            `json:"id"`
	Status                   string            `json:"status"`
	SupportedIdentifiers     []string          `json:"supported_identifiers"`
	Identifier               *string           `json:"identifier"`
	SupportedFirstFactors    []factorJSON      `json:"supported_first_factors"`
	SupportedSecondFactors   []factorJSON      `json:"supported_second_factors"`
	FirstFactorVerification  *verificationJSON `json:"first_factor_verification"`
	SecondFactorVerification *verificationJSON `json:"second_factor_verification"`
	UserData                 *publicUserData   `json:"user_data"`
	CreatedSessionID         *string           `json:"created_session_id"`
	AbandonAt                int64             `json:"abandon_at"`
}

// maskEmail shows the first character of the local part: a***@example.com.
func maskEmail(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return "***"
	}
	return addr[:1] + "***" + addr[at:]
}

func (a *API) newSignInJSON(ctx context.Context, si *flow.SignIn) *signInJSON {
	if si == nil {
		return nil
	}
	out := &signInJSON{Object: "sign_in_attempt", ID: si.ID, Status: si.Status,
		SupportedIdentifiers: []string{"email_address", "username"}, FirstFactorVerification: newVerificationJSON(si.FirstFactor),
		AbandonAt: si.CreatedAt + flow.AttemptLifetime.Milliseconds()}
	if si.Identifier != "" {
		id := si.Identifier
		out.Identifier = &id
	}
	if si.CreatedSessionID != "" {
		out.CreatedSessionID = &si.CreatedSessionID
	}
	if u := si.User; u != nil && si.Protected && si.Status == flow.NeedsFirstFactor {
		// Enumeration protection: the same shape whether or not the
		// identifier has an account (phantom or real), and nothing about
		// the account beyond what the visitor typed.
		out.SupportedFirstFactors = []factorJSON{{Strategy: flow.StrategyPassword}}
		for _, e := range u.EmailAddresses {
			if users.SameEmail(e.Value, si.Identifier) {
				p := true
				for _, st := range []string{flow.StrategyEmailCode, flow.StrategyResetEmailCode} {
					out.SupportedFirstFactors = append(out.SupportedFirstFactors, factorJSON{Strategy: st, SafeIdentifier: si.Identifier, EmailAddressID: e.ID, Primary: &p})
				}
			}
		}
	} else if u := si.User; u != nil && si.Status != flow.NeedsIdentifier {
		out.UserData = &publicUserData{FirstName: u.FirstName, LastName: u.LastName, ImageURL: wire.ImageURL(u, a.base(ctx)), HasImage: u.ImageURL != ""}
		out.SupportedFirstFactors = []factorJSON{}
		if u.PasswordEnabled() {
			out.SupportedFirstFactors = append(out.SupportedFirstFactors, factorJSON{Strategy: flow.StrategyPassword})
		}
		for _, e := range u.EmailAddresses {
			primary := u.PrimaryEmailAddressID != nil && *u.PrimaryEmailAddressID == e.ID
			safe := maskEmail(e.Value)
			if users.SameEmail(e.Value, si.Identifier) {
				safe = e.Value
			}
			for _, st := range []string{flow.StrategyEmailCode, flow.StrategyResetEmailCode} {
				p := primary
				out.SupportedFirstFactors = append(out.SupportedFirstFactors, factorJSON{Strategy: st, SafeIdentifier: safe, EmailAddressID: e.ID, Primary: &p})
			}
		}
	}
	return out
}

type signUpVerifications struct {
	EmailAddress    *verificationJSON `json:"email_address"`
	PhoneNumber     any               `json:"phone_number"`
	Web3Wallet      any               `json:"web3_wallet"`
	ExternalAccount any               `json:"external_account"`
}

type signUpJSON struct {
	Object           string              `json:"object"`
	ID               string              `json:"id"`
	Status           string              `json:"status"`
	RequiredFields   []string            `json:"required_fields"`
	OptionalFields   []string            `json:"optional_fields"`
	MissingFields    []string            `json:"missing_fields"`
	UnverifiedFields []string            `json:"unverified_fields"`
	Verifications    signUpVerifications `json:"verifications"`
	Username         *string             `json:"username"`
	EmailAddress     *string             `json:"email_address"`
	PhoneNumber      *string             `json:"phone_number"`
	Web3Wallet       *string             `json:"web3_wallet"`
	PasswordEnabled  bool                `json:"password_enabled"`
	FirstName        *string             `json:"first_name"`
	LastName         *string             `json:"last_name"`
	UnsafeMetadata   map[string]any      `json:"unsafe_metadata"`
	PublicMetadata   map[string]any      `json:"public_metadata"`
	CustomAction     bool                `json:"custom_action"`
	ExternalID       *string             `json:"external_id"`
	CreatedSessionID *string             `json:"created_session_id"`
	CreatedUserID    *string             `json:"created_user_id"`
	AbandonAt        int64               `json:"abandon_at"`
	LegalAcceptedAt  *int64              `json:"legal_accepted_at"`
}

func newSignUpJSON(su *flow.SignUp) *signUpJSON {
	if su == nil {
		return nil
	}
	out := &signUpJSON{Object: "sign_up_attempt", ID: su.ID, Status: su.Status, RequiredFields: flow.Required,
		OptionalFields: flow.Optional, MissingFields: su.MissingFields(), UnverifiedFields: su.UnverifiedFields(),
		Username: su.Username, PasswordEnabled: su.PasswordDigest != "", FirstName: su.FirstName, LastName: su.LastName,
		UnsafeMetadata: su.UnsafeMetadata, PublicMetadata: map[string]any{}, AbandonAt: su.CreatedAt + flow.AttemptLifetime.Milliseconds()}
	if out.UnsafeMetadata == nil {
		out.UnsafeMetadata = map[string]any{}
	}
	if su.Status == flow.Complete {
		out.MissingFields, out.UnverifiedFields = []string{}, []string{}
	}
	if su.EmailAddress != "" {
		e := su.EmailAddress
		out.EmailAddress = &e
		out.Verifications.EmailAddress = newSignUpVerificationJSON(su.EmailVerification, []string{flow.StrategyEmailCode})
	}
	if su.CreatedSessionID != "" {
		out.CreatedSessionID = &su.CreatedSessionID
	}
	if su.CreatedUserID != "" {
		out.CreatedUserID = &su.CreatedUserID
	}
	return out
}

type clientJSON struct {
	Object                     string        `json:"object"`
	ID                         string        `json:"id"`
	Sessions                   []sessionJSON `json:"sessions"`
	SignIn                     *signInJSON   `json:"sign_in"`
	SignUp                     *signUpJSON   `json:"sign_up"`
	LastActiveSessionID        *string       `json:"last_active_session_id"`
	LastAuthenticationStrategy *string       `json:"last_authentication_strategy"`
	CookieExpiresAt            *int64        `json:"cookie_expires_at"`
	CaptchaBypass              bool          `json:"captcha_bypass"`
	CreatedAt                  int64         `json:"created_at"`
	UpdatedAt                  int64         `json:"updated_at"`
}
