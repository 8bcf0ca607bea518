package apitest

import (
	"context"
	"log/slog"
	"sync"
)

// Logs records every ERROR-level line the server logs (tests assert that bad
// input never produces one), passing all records on to the next handler.
type Logs struct {
	mu     sync.Mutex
	errors []string
}

// Errors returns the messages of the ERROR lines logged so far, with their
// attributes.
func (l *Logs) Errors() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.errors...)
}

func (l *Logs) wrap(next slog.Handler) slog.Handler { return &logHandler{logs: l, next: next} }

type logHandler struct {
	logs *Logs
	next slog.Handler
}

func (h *logHandler) Enabled(ctx context.Context, lv slog.Level) bool {
	return lv >= slog.LevelError || h.next.Enabled(ctx, lv)
}

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		line := r.Message
		r.Attrs(func(a slog.Attr) bool { line += " " + a.String(); return true })
		h.logs.mu.Lock()
		h.logs.errors = append(h.logs.errors, line)
		h.logs.mu.Unlock()
	}
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &logHandler{logs: h.logs, next: h.next.WithAttrs(as)}
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{logs: h.logs, next: h.next.WithGroup(name)}
}
