package assets

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
)

// Prefix is where the bundles are served: the path clerk-js's loader builds
// on the Frontend API (or proxy) host.
const Prefix = "/npm/"

// Handler serves GET and HEAD /npm/<name>@<selector>/dist/<file>. Files of
// an exact version are immutable; a major or "latest" may move to a newer
// pin when Gatehouse is upgraded, so those are cached for five minutes.
// Scripts are public and loaded with crossorigin="anonymous": any origin may
// read them, without credentials.
func (s *Store) Handler() http.Handler {
	return httpx.Handler(func(w http.ResponseWriter, r *http.Request) error {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return gatehouse.Err(gatehouse.CodeMethodNotAllowed).Long("Bundles are read with GET.")
		}
		name, selector, file, ok := splitAssetPath(r.URL.Path)
		if !ok {
			return notFound()
		}
		p, exact, ok := s.Resolve(name, selector)
		if !ok {
			return notFound()
		}
		dir, err := s.Ensure(r.Context(), p)
		if err != nil {
			if r.Context().Err() != nil {
				return r.Context().Err()
			}
			httpx.Logger(r.Context()).Warn("clerk browser bundle unavailable", "package", p.Name, "version", p.Version, "error", err.Error())
			return gatehouse.Err(gatehouse.CodeServiceUnavailable).Msg("bundle unavailable").
				Long("The Clerk browser bundle could not be fetched and verified. Run `gatehouse assets pull`, "+
					"or point --clerk-js-dir at a directory of `npm pack` tarballs.").
				With("package", p.Name).With("version", p.Version)
		}
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(file)))
		if err != nil {
			return notFound()
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return notFound()
		}
		h := w.Header()
		h.Set("Content-Type", contentType(file))
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		if exact {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "public, max-age=300")
		}
		h.Set("ETag", `"`+p.Version+"-"+strings.TrimPrefix(p.Integrity, "sha512-")[:16]+`"`)
		http.ServeContent(w, r, "", st.ModTime(), f)
		return nil
	})
}

func notFound() error {
	return gatehouse.Err(gatehouse.CodeResourceNotFound).
		Long("No such bundle file. Gatehouse serves the pinned versions listed by `gatehouse assets list`.")
}

// splitAssetPath parses /npm/@scope/name@selector/dist/file. The file part
// must already be clean: no "..", no empty segments, no backslashes, no
// dot-files, and a servable extension.
func splitAssetPath(p string) (name, selector, file string, ok bool) {
	rest, ok := strings.CutPrefix(p, Prefix)
	if !ok || strings.ContainsAny(rest, "\\\x00") {
		return "", "", "", false
	}
	scope, rest, ok := strings.Cut(rest, "/")
	if !ok || !strings.HasPrefix(scope, "@") {
		return "", "", "", false
	}
	spec, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return "", "", "", false
	}
	base, selector, ok := strings.Cut(spec, "@")
	if !ok || base == "" || selector == "" {
		return "", "", "", false
	}
	file, ok = strings.CutPrefix(rest, "dist/")
	if !ok || file == "" || path.Clean(file) != file || strings.HasPrefix(file, "/") || !servable(file) {
		return "", "", "", false
	}
	for _, seg := range strings.Split(file, "/") {
		if seg == "" || strings.HasPrefix(seg, ".") {
			return "", "", "", false
		}
	}
	return scope + "/" + base, selector, file, true
}

func contentType(file string) string {
	switch path.Ext(file) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	default: // .map, .json
		return "application/json"
	}
}
