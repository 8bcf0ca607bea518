package gatehouse

import "sort"

// Code is a machine-readable error code. Codes are public API: clients branch
// on them, so a released code never changes. Each one has exactly one row in
// catalogue below (its HTTP status and default messages); docs/frontend-api.md
// and docs/backend-api.md list the codes their API can answer with, and a test
// checks both against the catalogue. docs/design-core.md says how to add one.
type Code string

// Request and routing.
const (
	CodeResourceNotFound       Code = "resource_not_found"
	CodeMalformedRequest       Code = "malformed_request"
	CodeRequestBodyTooLarge    Code = "request_body_too_large"
	CodeUnsupportedContentType Code = "unsupported_content_type"
	CodeMethodNotAllowed       Code = "method_not_allowed"
	CodeTooManyRequests        Code = "too_many_requests"
	CodeServiceUnavailable     Code = "service_unavailable"
	CodeInternal               Code = "internal_clerk_error"
)

// Authentication of the caller.
const (
	CodeAuthHeaderFormatInvalid Code = "authorization_header_format_invalid"
	CodeAuthenticationInvalid   Code = "authentication_invalid"
	CodeSecretKeyInvalid        Code = "clerk_key_invalid"
	CodeForbidden               Code = "authorization_invalid"
	CodeSignedOut               Code = "signed_out"
	CodeSessionNotActive        Code = "session_not_active"
	CodeOriginInvalid           Code = "origin_invalid"
	CodeCSRFInvalid             Code = "csrf_invalid"
	CodeRedirectURLInvalid      Code = "redirect_url_invalid"
	// CodeDevBrowserUnauthenticated: a development-mode request named a
	// dev-browser token (?__clerk_db_jwt=) that is unknown or expired;
	// clerk-js then creates a new dev browser and retries.
	CodeDevBrowserUnauthenticated Code = "dev_browser_unauthenticated"
)

// Parameters and identifiers.
const (
	CodeParamMissing          Code = "form_param_missing"
	CodeParamFormatInvalid    Code = "form_param_format_invalid"
	CodeParamValueInvalid     Code = "form_param_value_invalid"
	CodeParamUnknown          Code = "form_param_unknown"
	CodeIdentifierExists      Code = "form_identifier_exists"
	CodeIdentifierNotFound    Code = "form_identifier_not_found"
	CodeUsernameInvalidLength Code = "form_username_invalid_length"
	CodeExternalIDExists      Code = "external_id_exists"
)

// Passwords.
const (
	CodePasswordIncorrect         Code = "form_password_incorrect"
	CodePasswordTooShort          Code = "form_password_length_too_short"
	CodePasswordTooLong           Code = "form_password_length_too_long"
	CodePasswordPwned             Code = "form_password_pwned"
	CodePasswordDigestInvalid     Code = "password_digest_invalid"
	CodePasswordHasherUnsupported Code = "password_hasher_unsupported"
	CodeNoPassword                Code = "no_password_set"
)

// Sign-in and sign-up flows.
const (
	CodeUserLocked                  Code = "user_locked"
	CodeUserBanned                  Code = "user_banned"
	CodeSessionExists               Code = "session_exists"
	CodeSignInStatusInvalid         Code = "sign_in_status_invalid"
	CodeSignUpStatusInvalid         Code = "sign_up_status_invalid"
	CodeSignInExpired               Code = "sign_in_expired"
	CodeSignUpExpired               Code = "sign_up_expired"
	CodeStrategyForUserInvalid      Code = "strategy_for_user_invalid"
	CodeFormCodeIncorrect           Code = "form_code_incorrect"
	CodeVerificationExpired         Code = "verification_expired"
	CodeVerificationFailed          Code = "verification_failed"
	CodeVerificationAlreadyVerified Code = "verification_already_verified"
	CodeVerificationMissing         Code = "verification_missing"
)

// API is a set of the JSON APIs that can answer with a code. The hosted
// pages show flow errors as HTML and are not tracked here.
type API uint8

// The APIs. docs/frontend-api.md lists exactly the codes with FrontendAPI,
// docs/backend-api.md those with BackendAPI.
const (
	FrontendAPI API = 1 << iota
	BackendAPI
	bothAPIs = FrontendAPI | BackendAPI
)

// CodeInfo is one row of the catalogue.
type CodeInfo struct {
	Status      int    // HTTP status
	Message     string // short message (Clerk's "message")
	LongMessage string // default "long_message"; emit sites may say more
	APIs        API    // the APIs that can answer with it; none: hosted pages only
	Reserved    bool   // catalogued for clients but not emitted yet
}

// catalogue is the single code → status table.
var catalogue = map[Code]CodeInfo{
	CodeResourceNotFound:    {404, "not found", "not found", bothAPIs, false},
	CodeMalformedRequest:    {400, "malformed request", "The request body could not be read.", bothAPIs, false},
	CodeRequestBodyTooLarge: {413, "request body too large", "The request body must be at most 1 MiB.", bothAPIs, false},
	CodeUnsupportedContentType: {415, "unsupported content type",
		"Request bodies must be JSON (Content-Type: application/json).", bothAPIs, false},
	CodeMethodNotAllowed:   {405, "method not allowed", "This method is not allowed on this path.", bothAPIs, false},
	CodeTooManyRequests:    {429, "Too many requests", "Too many requests. Please retry later.", bothAPIs, false},
	CodeServiceUnavailable: {503, "service unavailable", "Please retry in a moment.", bothAPIs, false},
	CodeInternal: {500, "Internal error",
		"Internal error. Please retry; if it persists, contact the operator with the trace id.", bothAPIs, false},

	CodeAuthHeaderFormatInvalid: {401, "Invalid Authorization header format",
		"Invalid Authorization header format. Must be 'Bearer <YOUR_SECRET_KEY>'.", BackendAPI, false},
	CodeAuthenticationInvalid: {401, "Invalid authentication",
		"No valid client was found for this request; sign in again.", FrontendAPI, false},
	CodeSecretKeyInvalid: {401, "The provided secret key is invalid.",
		"The provided secret key is invalid. Make sure that your secret key is correct and has not been revoked.",
		BackendAPI, false},
	CodeForbidden: {403, "Unauthorized request", "You are not authorized to perform this request.", 0, true},
	CodeSignedOut: {401, "You are signed out",
		"There is no active session for this request; sign in again.", FrontendAPI, false},
	CodeSessionNotActive: {401, "session is not active", "This session is not active; sign in again.", bothAPIs, false},
	CodeOriginInvalid:    {403, "origin not allowed", "Cross-site requests must name an allowed Origin.", FrontendAPI, false},
	CodeCSRFInvalid: {403, "request refused",
		"This form expired or came from another site. Reload the page and try again.", 0, false},
	CodeRedirectURLInvalid: {400, "invalid redirect_url",
		"redirect_url must be an absolute URL on an allowed origin.", FrontendAPI, false},
	CodeDevBrowserUnauthenticated: {401, "Dev browser unauthenticated",
		"The dev browser token is unknown or expired; create a new one with POST /v1/dev_browser.", FrontendAPI, false},

	CodeParamMissing:       {422, "is missing", "A required parameter is missing.", bothAPIs, false},
	CodeParamFormatInvalid: {422, "is invalid", "A parameter has an invalid format.", bothAPIs, false},
	CodeParamValueInvalid:  {422, "is invalid", "A parameter has an invalid value.", bothAPIs, false},
	CodeParamUnknown:       {422, "is unknown", "This request does not take that parameter.", bothAPIs, false},
	CodeIdentifierExists: {422, "That identifier is taken. Please try another.",
		"That identifier is taken. Please try another.", bothAPIs, false},
	CodeIdentifierNotFound: {422, "Couldn't find your account.", "Couldn't find your account.", FrontendAPI, false},
	CodeUsernameInvalidLength: {422, "Usernames must be between 4 and 64 characters long.",
		"Usernames must be between 4 and 64 characters long.", bothAPIs, false},
	CodeExternalIDExists: {422, "external_id already exists", "A user with this external_id already exists.", BackendAPI, false},

	CodePasswordIncorrect: {422, "Password is incorrect. Try again, or use another method.",
		"Password is incorrect. Try again, or use another method.", bothAPIs, false},
	CodePasswordTooShort: {422, "Password is too short.", "Password is too short.", bothAPIs, false},
	CodePasswordTooLong:  {422, "Password is too long.", "Password is too long.", bothAPIs, false},
	CodePasswordPwned: {422, "This password is too common or has appeared in a data breach.",
		"This password is too common or has appeared in a data breach, so attackers try it first. Please choose a different one.",
		bothAPIs, false},
	CodePasswordDigestInvalid:     {422, "invalid password digest", "password_digest is not a valid digest.", BackendAPI, false},
	CodePasswordHasherUnsupported: {422, "unsupported password hasher", "password_hasher is not supported.", BackendAPI, false},
	CodeNoPassword:                {422, "no password set", "This user has no password set.", bothAPIs, false},

	CodeUserLocked: {403, "Your account is locked. Please try again later.",
		"Your account is locked. Please try again later.", FrontendAPI, false},
	CodeUserBanned: {403, "You are not allowed to sign in. Contact the application's support.",
		"You are not allowed to sign in. Contact the application's support.", FrontendAPI, false},
	CodeSessionExists: {400, "You're already signed in.", "You're already signed in.", FrontendAPI, false},
	CodeSignInStatusInvalid: {422, "This step is not possible now.",
		"This step is not possible in the sign-in's status.", FrontendAPI, false},
	CodeSignUpStatusInvalid: {422, "This step is not possible now.",
		"This step is not possible in the sign-up's status.", FrontendAPI, false},
	CodeSignInExpired: {422, "This attempt has expired. Start again.", "This attempt has expired. Start again.", FrontendAPI, false},
	CodeSignUpExpired: {422, "This attempt has expired. Start again.", "This attempt has expired. Start again.", FrontendAPI, false},
	CodeStrategyForUserInvalid: {422, "The verification strategy is not valid for this account.",
		"The verification strategy is not valid for this account.", FrontendAPI, false},
	CodeFormCodeIncorrect: {422, "Incorrect code", "Incorrect code", FrontendAPI, false},
	CodeVerificationExpired: {422, "This verification has expired. Request a new code.",
		"This verification has expired. Request a new code.", FrontendAPI, false},
	CodeVerificationFailed: {422, "Too many failed attempts. Request a new code.",
		"Too many failed attempts. Request a new code.", FrontendAPI, false},
	CodeVerificationAlreadyVerified: {422, "This code was already used. Request a new code.",
		"This code was already used. Request a new code.", FrontendAPI, false},
	CodeVerificationMissing: {422, "Request a code first.", "Request a code first.", FrontendAPI, false},
}

// Info returns the catalogue row of c; ok is false for a code not in it.
func (c Code) Info() (info CodeInfo, ok bool) {
	info, ok = catalogue[c]
	return info, ok
}

// Codes returns every catalogued code, sorted.
func Codes() []Code {
	out := make([]Code, 0, len(catalogue))
	for c := range catalogue {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
