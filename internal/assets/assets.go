// Package assets serves Clerk's browser bundles (@clerk/clerk-js and
// @clerk/ui) at the paths @clerk/nextjs, @clerk/react and clerk-js load them
// from: /npm/@clerk/<package>@<version-or-major>/dist/<file>.
//
// Gatehouse pins each package to one published version and its registry
// integrity (sha512). A tarball comes from an offline directory of `npm pack`
// files (--clerk-js-dir) or, on first use, from the npm registry; either way
// its sha512 must equal the pin before anything is unpacked. Unpacked files
// are cached in the data directory. Nothing of Clerk's is committed to this
// repository.
package assets

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Package is one pinned npm package version.
type Package struct {
	Name      string // "@clerk/clerk-js"
	Version   string // "6.40.0"
	Integrity string // the registry's dist.integrity: "sha512-<base64>"
}

// Pinned are the bundles Gatehouse serves. clerk-js 6 with @clerk/ui 1 is
// what @clerk/nextjs 7 loads; clerk-js 5 (components built in) is what
// @clerk/nextjs 6 loads. Integrity values are the registry's dist.integrity.
var Pinned = []Package{
	{Name: "@clerk/clerk-js", Version: "6.40.0", Integrity: "sha512-2MnZ/ygvuCmeuqfXQmsxfQaLN/SSJvQbtT2cLXbgr5VKr3KmZFZBVvX977fG3eZ6pprl4J9pO+I2bbe6BvColg=="},
	{Name: "@clerk/ui", Version: "1.36.0", Integrity: "sha512-uI96zYCh5jISLOt1mdpIPy/Y31P0kwFxjUFOxLUwFfTHFmGUcRjbqN6bbb+75tdI2Bz6ARGws3rhspDer+xIfQ=="},
	{Name: "@clerk/clerk-js", Version: "5.128.0", Integrity: "sha512-aw8USKnrZVPOqJfp1eKpbaQL+jUYkXJn/v3XdBslfT4jXEUIqkyITmlgY8bA9GqVF7xGcr+m/HJTpgvGbtIvXA=="},
}

// DefaultRegistry is the public npm registry.
const DefaultRegistry = "https://registry.npmjs.org"

// Options configures a Store.
type Options struct {
	CacheDir   string       // where unpacked packages live (<data-dir>/assets)
	OfflineDir string       // optional directory of `npm pack` tarballs; when set, the registry is never asked
	Registry   string       // registry base URL; empty: DefaultRegistry
	Packages   []Package    // empty: Pinned
	Client     *http.Client // empty: a client with a 60 s timeout
	Log        *slog.Logger
	MaxTarball int64         // bytes; 0: 64 MiB
	MaxFiles   int64         // bytes unpacked; 0: 256 MiB
	RetryAfter time.Duration // how long a failed fetch is remembered; 0: 30 s
}

// Store resolves, fetches, verifies, caches and serves the pinned packages.
type Store struct {
	opt Options
	mu  sync.Mutex
	pkg map[Package]*entry
}

type entry struct {
	mu       sync.Mutex // held while fetching, so concurrent first requests fetch once
	dir      string     // unpacked dist directory once ready
	failedAt time.Time
	err      error
}

// New returns a Store. Nothing is fetched until a file is asked for or Pull
// runs.
func New(opt Options) *Store {
	if opt.Registry == "" {
		opt.Registry = DefaultRegistry
	}
	opt.Registry = strings.TrimRight(opt.Registry, "/")
	if len(opt.Packages) == 0 {
		opt.Packages = Pinned
	}
	if opt.Client == nil {
		opt.Client = &http.Client{Timeout: 60 * time.Second}
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.MaxTarball == 0 {
		opt.MaxTarball = 64 << 20
	}
	if opt.MaxFiles == 0 {
		opt.MaxFiles = 256 << 20
	}
	if opt.RetryAfter == 0 {
		opt.RetryAfter = 30 * time.Second
	}
	return &Store{opt: opt, pkg: map[Package]*entry{}}
}

// Packages lists the pinned packages.
func (s *Store) Packages() []Package { return slices.Clone(s.opt.Packages) }

// Resolve maps the version part of a script URL to a pinned package: an exact
// version, a major ("6"), or "latest" (the newest pinned version of name).
// exact reports whether the selector named the version itself.
func (s *Store) Resolve(name, selector string) (p Package, exact, ok bool) {
	var best Package
	for _, c := range s.opt.Packages {
		if c.Name != name {
			continue
		}
		if c.Version == selector {
			return c, true, true
		}
		major, _, _ := strings.Cut(c.Version, ".")
		if (selector == major || selector == "latest") && (best.Version == "" || newer(c.Version, best.Version)) {
			best = c
		}
	}
	return best, false, best.Version != ""
}

// newer reports whether dotted version a is above b (numeric parts only).
func newer(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			return x > y
		}
	}
	return len(as) > len(bs)
}

// Ensure returns the unpacked dist directory of p, fetching and verifying
// it first if it is not cached. A failure is remembered for RetryAfter so a
// broken registry is not asked on every request.
func (s *Store) Ensure(ctx context.Context, p Package) (string, error) {
	s.mu.Lock()
	e := s.pkg[p]
	if e == nil {
		e = &entry{}
		s.pkg[p] = e
	}
	s.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dir != "" {
		return e.dir, nil
	}
	if e.err != nil && time.Since(e.failedAt) < s.opt.RetryAfter {
		return "", e.err
	}
	dir, err := s.install(ctx, p)
	if err != nil {
		if ctx.Err() == nil { // a departed client is not the registry's fault
			e.err, e.failedAt = err, time.Now()
		}
		return "", err
	}
	e.dir, e.err = dir, nil
	return dir, nil
}

// Pull makes sure every pinned package is cached, reporting each step.
func (s *Store) Pull(ctx context.Context, progress func(string)) error {
	for _, p := range s.opt.Packages {
		if dir, ok := s.cached(p); ok {
			progress(fmt.Sprintf("%s@%s: already cached in %s", p.Name, p.Version, dir))
			continue
		}
		progress(fmt.Sprintf("%s@%s: fetching from %s", p.Name, p.Version, s.source(p)))
		start := time.Now()
		dir, err := s.Ensure(ctx, p)
		if err != nil {
			return fmt.Errorf("%s@%s: %w", p.Name, p.Version, err)
		}
		progress(fmt.Sprintf("%s@%s: verified %s and unpacked to %s in %s", p.Name, p.Version,
			p.Integrity[:min(len(p.Integrity), 19)]+"…", dir, time.Since(start).Round(time.Millisecond)))
	}
	return nil
}

// Status says, for each pinned package, whether it is cached.
func (s *Store) Status() map[Package]bool {
	out := map[Package]bool{}
	for _, p := range s.opt.Packages {
		_, out[p] = s.cached(p)
	}
	return out
}

// dirName is where p is unpacked below CacheDir: "clerk-js@6.40.0" etc.,
// with the scope folded in so two scopes cannot collide.
func dirName(p Package) string {
	return strings.NewReplacer("@", "", "/", "__").Replace(p.Name) + "@" + p.Version
}

func (s *Store) finalDir(p Package) string { return filepath.Join(s.opt.CacheDir, dirName(p)) }

// source names where p comes from, for messages.
func (s *Store) source(p Package) string {
	if s.opt.OfflineDir != "" {
		return filepath.Join(s.opt.OfflineDir, packFileName(p))
	}
	return tarballURL(s.opt.Registry, p)
}

// tarballURL is the registry's conventional tarball address:
// <registry>/@scope/name/-/name-<version>.tgz.
func tarballURL(registry string, p Package) string {
	base := p.Name[strings.LastIndex(p.Name, "/")+1:]
	return registry + "/" + p.Name + "/-/" + base + "-" + p.Version + ".tgz"
}

// packFileName is the file `npm pack` writes for p: clerk-clerk-js-6.40.0.tgz.
func packFileName(p Package) string {
	return strings.NewReplacer("@", "", "/", "-").Replace(p.Name) + "-" + p.Version + ".tgz"
}
