package gatehouse

import (
	"errors"
	"fmt"
)

// Error is an error that is safe to show to API clients. Code is one of the
// catalogued codes (codes.go); Status is the HTTP status the catalogue gives
// it. Meta carries machine-readable details such as the name of the
// offending parameter. Build one with Err and its setters:
//
//	gatehouse.Err(gatehouse.CodePasswordIncorrect).Param("password")
type Error struct {
	Status      int
	Code        Code
	Message     string
	LongMessage string
	Meta        map[string]any
}

func (e *Error) Error() string {
	if e.LongMessage != "" {
		return string(e.Code) + ": " + e.LongMessage
	}
	return string(e.Code) + ": " + e.Message
}

// Err returns a new *Error for c with the catalogue's status and messages
// (status 500 for a code missing from the catalogue; a test keeps that from
// happening).
func Err(c Code) *Error {
	info, ok := catalogue[c]
	if !ok {
		info = CodeInfo{Status: 500, Message: "Internal error", LongMessage: "Internal error"}
	}
	return &Error{Status: info.Status, Code: c, Message: info.Message, LongMessage: info.LongMessage}
}

// Msg replaces the short message.
func (e *Error) Msg(short string) *Error { e.Message = short; return e }

// Long replaces the long message.
func (e *Error) Long(long string) *Error { e.LongMessage = long; return e }

// Longf replaces the long message with a formatted one.
func (e *Error) Longf(format string, args ...any) *Error {
	e.LongMessage = fmt.Sprintf(format, args...)
	return e
}

// Text sets both messages to s, as Clerk's form errors do.
func (e *Error) Text(s string) *Error { e.Message, e.LongMessage = s, s; return e }

// With sets meta[key] = value.
func (e *Error) With(key string, value any) *Error {
	if e.Meta == nil {
		e.Meta = map[string]any{}
	}
	e.Meta[key] = value
	return e
}

// Param names the offending parameter (meta.param_name); an empty name
// leaves meta alone.
func (e *Error) Param(name string) *Error {
	if name == "" {
		return e
	}
	return e.With("param_name", name)
}

// DevBrowserUnauthenticated is the 401 for an unknown or expired dev browser.
func DevBrowserUnauthenticated() *Error { return Err(CodeDevBrowserUnauthenticated) }

// NotFound reports a missing resource ("User not found").
func NotFound(resource string) *Error { return Err(CodeResourceNotFound).Long(resource + " not found") }

// ParamMissing reports a required parameter that was not supplied.
func ParamMissing(param string) *Error {
	return Err(CodeParamMissing).Long(param + " must be included.").Param(param)
}

// ParamInvalid reports a parameter whose format or value is not acceptable.
func ParamInvalid(param, long string) *Error {
	return Err(CodeParamFormatInvalid).Long(long).Param(param)
}

// ParamUnknown reports a parameter the endpoint does not accept.
func ParamUnknown(param string) *Error {
	return Err(CodeParamUnknown).Long(param + " is not a valid parameter for this request.").Param(param)
}

// IdentifierExists reports a uniqueness conflict on an identifier.
func IdentifierExists(param, what string) *Error {
	return Err(CodeIdentifierExists).Text("That " + what + " is taken. Please try another.").Param(param)
}

// Malformed reports a request body that could not be decoded.
func Malformed(detail string) *Error { return Err(CodeMalformedRequest).Long(detail) }

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
