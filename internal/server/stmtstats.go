package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/gatehouse/gatehouse/internal/store"
)

// requestStats counts the SQL statements and write transactions of each
// kind of request (method and path, ids replaced by {id}) for the debug
// listener's /debug/store, which the bench reads to report statements per
// operation. It runs only when --debug-listen is set.
type requestStats struct {
	st *store.Store
	mu sync.Mutex
	m  map[string]*kindStats
}

type kindStats struct {
	Requests   int64 `json:"requests"`
	Statements int64 `json:"statements"`
	WriteTxs   int64 `json:"write_txs"`
}

func newRequestStats(st *store.Store) *requestStats {
	return &requestStats{st: st, m: map[string]*kindStats{}}
}

// wrap counts next's requests.
func (s *requestStats) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, n := store.WithCounter(r.Context())
		kind := requestKind(r)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(ctx))
		if sw.status >= 300 || ctx.Err() != nil {
			return // only requests that did their whole work count
		}
		c := n.Counts()
		s.mu.Lock()
		k := s.m[kind]
		if k == nil {
			if len(s.m) >= 1000 {
				s.mu.Unlock()
				return // bounded: odd paths from probes do not grow it forever
			}
			k = &kindStats{}
			s.m[kind] = k
		}
		k.Requests++
		k.Statements += c.Statements
		k.WriteTxs += c.WriteTxs
		s.mu.Unlock()
	})
}

// ServeHTTP writes the store's totals and the per-request-kind counts.
func (s *requestStats) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	kinds := make(map[string]kindStats, len(s.m))
	for k, v := range s.m {
		kinds[k] = *v
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"store": s.st.Counts(), "requests": kinds})
}

// requestKind is "METHOD /path" with every id segment (sia_…, sess_…) as
// {id}; the _method override of clerk-js is honoured.
func requestKind(r *http.Request) string {
	method := r.Method
	if m := r.URL.Query().Get("_method"); m != "" && method == http.MethodPost {
		method = strings.ToUpper(m)
	}
	segs := strings.Split(r.URL.Path, "/")
	for i, seg := range segs {
		if p, rest, ok := strings.Cut(seg, "_"); ok && len(p) <= 8 && len(rest) >= 16 {
			segs[i] = "{id}"
		}
	}
	return method + " " + strings.Join(segs, "/")
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
