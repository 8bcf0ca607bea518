package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyLogger
)

// RequestID returns the id of the request in ctx ("" outside a request).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// Logger returns the request-scoped logger (with request_id), or the default.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(keyLogger).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusWriter remembers the status and size written.
type statusWriter struct {
	http.ResponseWriter
	status int
	size   int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.size += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Observe gives every request an id (X-Request-Id, also used as
// clerk_trace_id), its gatehouse.Caller (the client address under the trusted
// proxies' X-Forwarded-For, see ClientIP), a request-scoped logger, an
// access-log line and panic recovery that answers 500 "Internal error"
// instead of dropping the connection. Query strings are not logged (they
// can carry identifiers).
func Observe(base *slog.Logger, face string, trusted []netip.Prefix) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			id := newRequestID()
			l := base.With(slog.String("request_id", id))
			host, _, _ := net.SplitHostPort(r.RemoteAddr)
			ctx := context.WithValue(context.WithValue(r.Context(), keyRequestID, id), keyLogger, l)
			ci := NewCaller(r, trusted, id)
			ctx = gatehouse.WithCaller(ctx, ci)
			r = r.WithContext(ctx)
			w.Header().Set("X-Request-Id", id)
			sw := &statusWriter{ResponseWriter: w}
			defer func() {
				if p := recover(); p != nil {
					if p == http.ErrAbortHandler {
						panic(p)
					}
					l.Error("panic", slog.String("panic", fmt.Sprint(p)), slog.String("stack", string(debug.Stack())))
					if sw.status == 0 {
						Error(sw, r, fmt.Errorf("panic: %v", p))
					}
				}
				l.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("face", face), slog.String("method", r.Method),
					slog.String("path", r.URL.Path), slog.Int("status", sw.status), slog.Int("bytes", sw.size),
					slog.Duration("duration", time.Since(start)), slog.String("remote_ip", host), slog.String("client_ip", ci.IP))
			}()
			next.ServeHTTP(sw, r)
		})
	}
}
