package httpx

import (
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// JSONMux serves mux but answers unknown routes (404) and wrong methods (405)
// with Clerk's JSON error envelope instead of the mux's plain text.
func JSONMux(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// clerk-js builds a resource path as "<root>/<id>", so a create posts
		// to ".../email_addresses/": one trailing slash names the same route.
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") && !strings.HasSuffix(p, "//") {
			r2 := r.Clone(r.Context())
			r2.URL.Path = strings.TrimSuffix(p, "/")
			r2.URL.RawPath = strings.TrimSuffix(r.URL.RawPath, "/")
			if _, pattern := mux.Handler(r2); pattern != "" {
				mux.ServeHTTP(w, r2)
				return
			}
		}
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete} {
			r2 := r.Clone(r.Context())
			r2.Method = m
			if _, p := mux.Handler(r2); p != "" {
				Error(w, r, gatehouse.Err(gatehouse.CodeMethodNotAllowed).Long(r.Method+" is not allowed on "+r.URL.Path+"."))
				return
			}
		}
		NotFoundHandler().ServeHTTP(w, r)
	})
}
