package httpx

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// ErrorBody is Clerk's error envelope.
type ErrorBody struct {
	Errors       []ErrorItem `json:"errors"`
	ClerkTraceID string      `json:"clerk_trace_id,omitempty"`
}

// ErrorItem is one entry of ErrorBody.Errors.
type ErrorItem struct {
	Code        string         `json:"code"`
	Message     string         `json:"message"`
	LongMessage string         `json:"long_message"`
	Meta        map[string]any `json:"meta"`
}

// Error writes err as Clerk's error envelope. A *gatehouse.Error is shown as
// is; context cancellation becomes 499-style silence; anything else is logged
// with the request id and shown as a 500 "Internal error".
func Error(w http.ResponseWriter, r *http.Request, err error) {
	ge, ok := gatehouse.AsError(err)
	if !ok {
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			return // client went away; nothing to write
		}
		if errors.Is(err, gatehouse.ErrUnavailable) {
			Logger(r.Context()).LogAttrs(r.Context(), slog.LevelWarn, "storage unavailable",
				slog.String("error", err.Error()), slog.String("path", r.URL.Path))
			ge := gatehouse.Err(gatehouse.CodeServiceUnavailable).
				Long("The database cannot be reached right now. Please retry in a moment.").With("cause", "storage")
			WriteErrors(w, r, ge.Status, ge)
			return
		}
		Logger(r.Context()).LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("error", err.Error()), slog.String("path", r.URL.Path))
		ge = gatehouse.Err(gatehouse.CodeInternal)
	}
	WriteErrors(w, r, ge.Status, ge)
}

// WriteErrors writes several errors with one status (form validation can
// report more than one field at once).
func WriteErrors(w http.ResponseWriter, r *http.Request, status int, errs ...*gatehouse.Error) {
	body := ErrorBody{ClerkTraceID: RequestID(r.Context())}
	for _, e := range errs {
		meta := e.Meta
		if meta == nil {
			meta = map[string]any{}
		}
		body.Errors = append(body.Errors, ErrorItem{Code: string(e.Code), Message: e.Message, LongMessage: e.LongMessage, Meta: meta})
		if ra, ok := meta["retry_after_seconds"].(int); ok && status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", strconv.Itoa(ra))
		}
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}
	JSON(w, status, body)
}

// Handler is an http.Handler that returns an error; Error writes it.
type Handler func(w http.ResponseWriter, r *http.Request) error

// ServeHTTP first checks the path wildcards of the matched pattern (see
// checkPathValues), so no handler ever sees a malformed ID.
func (h Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := checkPathValues(r); err != nil {
		Error(w, r, err)
		return
	}
	if err := h(w, r); err != nil {
		Error(w, r, err)
	}
}

// NotFoundHandler answers unknown routes with Clerk's resource_not_found.
func NotFoundHandler() http.Handler {
	return Handler(func(w http.ResponseWriter, r *http.Request) error {
		return gatehouse.Err(gatehouse.CodeResourceNotFound).Long("No route matches " + r.Method + " " + r.URL.Path)
	})
}
