package gatehouse

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an error that is safe to show to API clients. Code is one of the
// documented codes below (Clerk's where Clerk has one); Status is the HTTP
// status it maps to. Meta carries machine-readable details such as the name of
// the offending parameter.
type Error struct {
	Status      int
	Code        string
	Message     string
	LongMessage string
	Meta        map[string]any
}

func (e *Error) Error() string {
	if e.LongMessage != "" {
		return e.Code + ": " + e.LongMessage
	}
	return e.Code + ": " + e.Message
}

// Error codes. They are public API: clients branch on them, so they never change
// once released. docs/backend-api.md lists them with their statuses.
const (
	CodeResourceNotFound          = "resource_not_found"
	CodeAuthHeaderFormatInvalid   = "authorization_header_format_invalid"
	CodeAuthenticationInvalid     = "authentication_invalid"
	CodeSecretKeyInvalid          = "clerk_key_invalid"
	CodeForbidden                 = "authorization_invalid"
	CodeMalformedRequest          = "malformed_request"
	CodeRequestBodyTooLarge       = "request_body_too_large"
	CodeUnsupportedContentType    = "unsupported_content_type"
	CodeParamMissing              = "form_param_missing"
	CodeParamFormatInvalid        = "form_param_format_invalid"
	CodeParamValueInvalid         = "form_param_value_invalid"
	CodeParamUnknown              = "form_param_unknown"
	CodeIdentifierExists          = "form_identifier_exists"
	CodeIdentifierNotFound        = "form_identifier_not_found"
	CodeUsernameInvalidLength     = "form_username_invalid_length"
	CodePasswordIncorrect         = "form_password_incorrect"
	CodePasswordTooShort          = "form_password_length_too_short"
	CodePasswordTooLong           = "form_password_length_too_long"
	CodePasswordPwned             = "form_password_pwned"
	CodePasswordDigestInvalid     = "password_digest_invalid"
	CodePasswordHasherUnsupported = "password_hasher_unsupported"
	CodeNoPassword                = "no_password_set"
	CodeUserLocked                = "user_locked"
	CodeUserBanned                = "user_banned"
	CodeMethodNotAllowed          = "method_not_allowed"
	CodeTooManyRequests           = "too_many_requests"
	CodeServiceUnavailable        = "service_unavailable"
	CodeInternal                  = "internal_clerk_error"
	// CodeDevBrowserUnauthenticated: a development-mode request named a
	// dev-browser token (?__clerk_db_jwt=) that is unknown or expired;
	// clerk-js then creates a new dev browser and retries.
	CodeDevBrowserUnauthenticated = "dev_browser_unauthenticated"
)

// DevBrowserUnauthenticated is the 401 for an unknown or expired dev browser.
func DevBrowserUnauthenticated() *Error {
	return &Error{Status: http.StatusUnauthorized, Code: CodeDevBrowserUnauthenticated, Message: "Dev browser unauthenticated",
		LongMessage: "The dev browser token is unknown or expired; create a new one with POST /v1/dev_browser."}
}

// NotFound reports a missing resource ("User not found").
func NotFound(resource string) *Error {
	return &Error{Status: http.StatusNotFound, Code: CodeResourceNotFound, Message: "not found",
		LongMessage: resource + " not found"}
}

// ParamMissing reports a required parameter that was not supplied.
func ParamMissing(param string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: CodeParamMissing, Message: "is missing",
		LongMessage: param + " must be included.", Meta: map[string]any{"param_name": param}}
}

// ParamInvalid reports a parameter whose format or value is not acceptable.
func ParamInvalid(param, long string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: CodeParamFormatInvalid, Message: "is invalid",
		LongMessage: long, Meta: map[string]any{"param_name": param}}
}

// ParamUnknown reports a parameter the endpoint does not accept.
func ParamUnknown(param string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: CodeParamUnknown, Message: "is unknown",
		LongMessage: param + " is not a valid parameter for this request.", Meta: map[string]any{"param_name": param}}
}

// IdentifierExists reports a uniqueness conflict on an identifier.
func IdentifierExists(param, what string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: CodeIdentifierExists,
		Message:     "That " + what + " is taken. Please try another.",
		LongMessage: "That " + what + " is taken. Please try another.", Meta: map[string]any{"param_name": param}}
}

// Malformed reports a request body that could not be decoded.
func Malformed(detail string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeMalformedRequest, Message: "malformed request",
		LongMessage: detail}
}

// Errorf builds an *Error with a formatted long message.
func Errorf(status int, code, message, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: message, LongMessage: fmt.Sprintf(format, args...)}
}

// AsError returns the *Error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// ErrNotFound is returned by the store when a row does not exist; services turn
// it into a NotFound *Error naming the resource.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned by the store when a unique constraint is violated.
// Field names the conflicting column when the engine reports it.
type ErrConflict struct{ Field string }

func (e *ErrConflict) Error() string { return "unique constraint violated: " + e.Field }
