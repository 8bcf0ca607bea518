package assets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

type tarFile struct {
	name string
	body string
	typ  byte
}

// makeTarball builds an npm-style .tgz from files.
func makeTarball(t *testing.T, files []tarFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		typ := f.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: typ}
		if typ != tar.TypeReg {
			h.Size, h.Linkname = 0, "/etc/passwd"
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write([]byte(f.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func integrity(b []byte) string {
	sum := sha512.Sum512(b)
	return "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
}

// fakeClerkJS is a tarball shaped like @clerk/clerk-js with hostile entries.
func fakeClerkJS(t *testing.T, version string) []byte {
	return makeTarball(t, []tarFile{
		{name: "package/package.json", body: `{"name":"@clerk/clerk-js","version":"` + version + `"}`},
		{name: "package/dist/clerk.browser.js", body: "window.Clerk=" + version + ";"},
		{name: "package/dist/10_clerk.browser_abc_" + version + ".js", body: "chunk"},
		{name: "package/dist/types/index.d.ts", body: "declare"},
		{name: "package/dist/../../escape.js", body: "evil"},
		{name: "package/dist/link.js", typ: tar.TypeSymlink},
		{name: "package/README.md", body: "readme"},
	})
}

// registry is a loopback npm registry serving tarballs by path.
type registry struct {
	srv   *httptest.Server
	hits  atomic.Int64
	files map[string][]byte
}

func newRegistry(t *testing.T, files map[string][]byte) *registry {
	r := &registry{files: files}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		b, ok := r.files[req.URL.Path]
		if !ok {
			http.NotFound(w, req)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestFetchVerifyCacheAndServe(t *testing.T) {
	tgz := fakeClerkJS(t, "6.1.0")
	old := fakeClerkJS(t, "6.0.9")
	reg := newRegistry(t, map[string][]byte{
		"/@clerk/clerk-js/-/clerk-js-6.1.0.tgz": tgz,
		"/@clerk/clerk-js/-/clerk-js-6.0.9.tgz": old,
	})
	cache := t.TempDir()
	pkgs := []Package{{"@clerk/clerk-js", "6.0.9", integrity(old)}, {"@clerk/clerk-js", "6.1.0", integrity(tgz)}}
	s := New(Options{CacheDir: cache, Registry: reg.srv.URL, Packages: pkgs})
	h := s.Handler()

	// Concurrent first requests fetch once.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if rec := get(t, h, "/npm/@clerk/clerk-js@6/dist/clerk.browser.js"); rec.Code != 200 {
				t.Errorf("status %d: %s", rec.Code, rec.Body)
			}
		}()
	}
	wg.Wait()
	if n := reg.hits.Load(); n != 1 {
		t.Fatalf("registry asked %d times, want 1", n)
	}

	rec := get(t, h, "/npm/@clerk/clerk-js@6/dist/clerk.browser.js")
	if rec.Body.String() != "window.Clerk=6.1.0;" {
		t.Fatalf("major 6 must resolve to the newest pin; got %q", rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if rec.Header().Get("Access-Control-Allow-Origin") != "*" || rec.Header().Get("Cross-Origin-Resource-Policy") != "cross-origin" {
		t.Errorf("cross-origin script headers missing: %v", rec.Header())
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=300" {
		t.Errorf("major selector Cache-Control %q", cc)
	}
	rec = get(t, h, "/npm/@clerk/clerk-js@6.0.9/dist/10_clerk.browser_abc_6.0.9.js")
	if rec.Code != 200 || rec.Body.String() != "chunk" {
		t.Fatalf("exact version chunk: %d %q", rec.Code, rec.Body)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("exact version Cache-Control %q", cc)
	}

	for _, bad := range []string{
		"/npm/@clerk/clerk-js@6/dist/../../../encryption.key",
		"/npm/@clerk/clerk-js@6/dist/..%2f..%2fescape.js",
		"/npm/@clerk/clerk-js@6/escape.js",
		"/npm/@clerk/clerk-js@6/dist/link.js",
		"/npm/@clerk/clerk-js@6/dist/types/index.d.ts",
		"/npm/@clerk/clerk-js@6/dist/.gatehouse-integrity",
		"/npm/@clerk/clerk-js@6/dist//clerk.browser.js",
		"/npm/@clerk/clerk-js@6/dist/clerk.browser.js\\x",
		"/npm/@clerk/clerk-js@4/dist/clerk.browser.js",
		"/npm/@clerk/ui@1/dist/ui.browser.js",
		"/npm/clerk-js@6/dist/clerk.browser.js",
		"/npm/@clerk/clerk-js/dist/clerk.browser.js",
	} {
		if rec := get(t, h, bad); rec.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", bad, rec.Code)
		}
	}
	if _, err := os.Stat(filepath.Join(cache, "escape.js")); err == nil {
		t.Fatal("a ../ entry escaped the cache directory")
	}

	// A new Store over the same cache serves without asking the registry.
	reg.hits.Store(0)
	s2 := New(Options{CacheDir: cache, Registry: reg.srv.URL, Packages: pkgs})
	if rec := get(t, s2.Handler(), "/npm/@clerk/clerk-js@6.1.0/dist/clerk.browser.js"); rec.Code != 200 {
		t.Fatalf("from cache: %d", rec.Code)
	}
	if reg.hits.Load() != 0 {
		t.Fatal("a cached package was fetched again")
	}
}

func TestIntegrityMismatchIsRefused(t *testing.T) {
	good := fakeClerkJS(t, "6.1.0")
	tampered := bytes.Clone(good)
	tampered = append(tampered[:len(tampered)-1], tampered[len(tampered)-1]^1)
	reg := newRegistry(t, map[string][]byte{"/@clerk/clerk-js/-/clerk-js-6.1.0.tgz": tampered})
	cache := t.TempDir()
	s := New(Options{CacheDir: cache, Registry: reg.srv.URL, Packages: []Package{{"@clerk/clerk-js", "6.1.0", integrity(good)}}})
	rec := get(t, s.Handler(), "/npm/@clerk/clerk-js@6/dist/clerk.browser.js")
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "service_unavailable") {
		t.Fatalf("tampered tarball: %d %s", rec.Code, rec.Body)
	}
	entries, _ := os.ReadDir(cache)
	if len(entries) != 0 {
		t.Fatalf("nothing may be cached from a tampered tarball; found %v", entries)
	}
	// The failure is remembered: the next request does not hammer the registry.
	get(t, s.Handler(), "/npm/@clerk/clerk-js@6/dist/clerk.browser.js")
	if n := reg.hits.Load(); n != 1 {
		t.Fatalf("registry asked %d times after a failure, want 1", n)
	}
}

func TestManifestMustMatchPin(t *testing.T) {
	// Right hash, wrong contents: a pin pointing at another package's tarball.
	other := makeTarball(t, []tarFile{
		{name: "package/package.json", body: `{"name":"@evil/pkg","version":"6.1.0"}`},
		{name: "package/dist/clerk.browser.js", body: "evil"},
	})
	reg := newRegistry(t, map[string][]byte{"/@clerk/clerk-js/-/clerk-js-6.1.0.tgz": other})
	s := New(Options{CacheDir: t.TempDir(), Registry: reg.srv.URL, Packages: []Package{{"@clerk/clerk-js", "6.1.0", integrity(other)}}})
	if _, err := s.Ensure(t.Context(), s.Packages()[0]); err == nil || !strings.Contains(err.Error(), "@evil/pkg") {
		t.Fatalf("want a package.json mismatch error, got %v", err)
	}
}

func TestOfflineDirectory(t *testing.T) {
	tgz := fakeClerkJS(t, "6.1.0")
	offline := t.TempDir()
	if err := os.WriteFile(filepath.Join(offline, "clerk-clerk-js-6.1.0.tgz"), tgz, 0o600); err != nil {
		t.Fatal(err)
	}
	reg := newRegistry(t, nil)
	pin := Package{"@clerk/clerk-js", "6.1.0", integrity(tgz)}
	s := New(Options{CacheDir: t.TempDir(), OfflineDir: offline, Registry: reg.srv.URL, Packages: []Package{pin}})
	var lines []string
	if err := s.Pull(t.Context(), func(l string) { lines = append(lines, l) }); err != nil {
		t.Fatal(err)
	}
	if reg.hits.Load() != 0 {
		t.Fatal("offline mode asked the registry")
	}
	if len(lines) != 2 || !strings.Contains(lines[1], "verified") {
		t.Fatalf("progress lines: %q", lines)
	}
	if !s.Status()[pin] {
		t.Fatal("Status does not report the pulled package")
	}
	if err := s.Pull(t.Context(), func(l string) { lines = append(lines, l) }); err != nil || !strings.Contains(lines[2], "already cached") {
		t.Fatalf("second pull: %v %q", err, lines)
	}

	// A tarball in the offline directory that is not the pinned one is refused.
	wrong := t.TempDir()
	os.WriteFile(filepath.Join(wrong, "clerk-clerk-js-6.1.0.tgz"), fakeClerkJS(t, "6.1.0-x"), 0o600)
	s = New(Options{CacheDir: t.TempDir(), OfflineDir: wrong, Packages: []Package{pin}})
	if err := s.Pull(t.Context(), func(string) {}); err == nil || !strings.Contains(err.Error(), "integrity mismatch") {
		t.Fatalf("want integrity mismatch, got %v", err)
	}
	// A missing one says what to do.
	s = New(Options{CacheDir: t.TempDir(), OfflineDir: t.TempDir(), Packages: []Package{pin}})
	if err := s.Pull(t.Context(), func(string) {}); err == nil || !strings.Contains(err.Error(), "npm pack @clerk/clerk-js@6.1.0") {
		t.Fatalf("want a hint to npm pack, got %v", err)
	}
}

func TestTarballSizeLimit(t *testing.T) {
	tgz := fakeClerkJS(t, "6.1.0")
	reg := newRegistry(t, map[string][]byte{"/@clerk/clerk-js/-/clerk-js-6.1.0.tgz": tgz})
	s := New(Options{CacheDir: t.TempDir(), Registry: reg.srv.URL, MaxTarball: int64(len(tgz) - 1),
		Packages: []Package{{"@clerk/clerk-js", "6.1.0", integrity(tgz)}}})
	if _, err := s.Ensure(t.Context(), s.Packages()[0]); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("want a size error, got %v", err)
	}
}

func TestPinnedIntegritiesAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Pinned {
		if _, err := parseIntegrity(p.Integrity); err != nil {
			t.Errorf("%s@%s: %v", p.Name, p.Version, err)
		}
		if seen[p.Name+"@"+p.Version] {
			t.Errorf("%s@%s pinned twice", p.Name, p.Version)
		}
		seen[p.Name+"@"+p.Version] = true
	}
	s := New(Options{})
	for _, c := range []struct{ name, sel, want string }{
		{"@clerk/clerk-js", "6", "6.40.0"}, {"@clerk/clerk-js", "5", "5.128.0"}, {"@clerk/clerk-js", "latest", "6.40.0"},
		{"@clerk/ui", "1", "1.36.0"}, {"@clerk/clerk-js", "5.128.0", "5.128.0"},
	} {
		p, _, ok := s.Resolve(c.name, c.sel)
		if !ok || p.Version != c.want {
			t.Errorf("Resolve(%s, %s) = %v %v, want %s", c.name, c.sel, p.Version, ok, c.want)
		}
	}
	if got := tarballURL(DefaultRegistry, Pinned[1]); got != "https://registry.npmjs.org/@clerk/ui/-/ui-1.36.0.tgz" {
		t.Errorf("tarball URL %s", got)
	}
}
