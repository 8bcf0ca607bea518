package assets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// markerFile, inside an unpacked package, holds the integrity it was
// verified against; it is written last, so a directory without it (or with
// another pin's value) is not trusted.
const markerFile = ".gatehouse-integrity"

// cached reports whether p is unpacked and was verified against p's pin.
func (s *Store) cached(p Package) (string, bool) {
	if s.opt.CacheDir == "" {
		return "", false
	}
	b, err := os.ReadFile(filepath.Join(s.finalDir(p), markerFile))
	if err != nil || strings.TrimSpace(string(b)) != p.Integrity {
		return "", false
	}
	return filepath.Join(s.finalDir(p), "dist"), true
}

// install obtains p's tarball, checks it against the pin and unpacks its
// dist/ folder into the cache; the directory appears whole or not at all.
func (s *Store) install(ctx context.Context, p Package) (string, error) {
	if dir, ok := s.cached(p); ok {
		return dir, nil
	}
	if s.opt.CacheDir == "" {
		return "", errors.New("no cache directory configured")
	}
	want, err := parseIntegrity(p.Integrity)
	if err != nil {
		return "", err
	}
	tgz, err := s.obtain(ctx, p)
	if err != nil {
		return "", err
	}
	got := sha512.Sum512(tgz)
	if subtle.ConstantTimeCompare(got[:], want) != 1 {
		return "", fmt.Errorf("integrity mismatch for %s: got sha512-%s, pinned %s; refusing it",
			s.source(p), base64.StdEncoding.EncodeToString(got[:]), p.Integrity)
	}
	if err := os.MkdirAll(s.opt.CacheDir, 0o700); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(s.opt.CacheDir, ".unpack-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // no-op once renamed
	if err := s.unpack(tgz, tmp, p); err != nil {
		return "", fmt.Errorf("unpack %s: %w", s.source(p), err)
	}
	if err := os.WriteFile(filepath.Join(tmp, markerFile), []byte(p.Integrity+"\n"), 0o600); err != nil {
		return "", err
	}
	final := s.finalDir(p)
	if err := os.Rename(tmp, final); err != nil {
		if dir, ok := s.cached(p); ok { // another process finished first
			return dir, nil
		}
		// A stale or partial directory from an older pin: replace it.
		if rmErr := os.RemoveAll(final); rmErr != nil {
			return "", rmErr
		}
		if err := os.Rename(tmp, final); err != nil {
			return "", err
		}
	}
	s.opt.Log.Info("clerk browser bundle installed", "package", p.Name, "version", p.Version, "dir", final)
	return filepath.Join(final, "dist"), nil
}

// obtain reads p's tarball from the offline directory, else the registry,
// never more than MaxTarball bytes.
func (s *Store) obtain(ctx context.Context, p Package) ([]byte, error) {
	if s.opt.OfflineDir != "" {
		f, err := os.Open(filepath.Join(s.opt.OfflineDir, packFileName(p)))
		if err != nil {
			return nil, fmt.Errorf("%w (put the output of `npm pack %s@%s` there)", err, p.Name, p.Version)
		}
		defer f.Close()
		return readLimited(f, s.opt.MaxTarball)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, tarballURL(s.opt.Registry, p), nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.opt.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", req.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: registry answered %s", req.URL, resp.Status)
	}
	return readLimited(resp.Body, s.opt.MaxTarball)
}

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("tarball larger than %d bytes", limit)
	}
	return b, nil
}

// parseIntegrity decodes an npm "sha512-<base64>" integrity string.
func parseIntegrity(s string) ([]byte, error) {
	b64, ok := strings.CutPrefix(s, "sha512-")
	if !ok {
		return nil, fmt.Errorf("integrity %q is not sha512", s)
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) != sha512.Size {
		return nil, fmt.Errorf("integrity %q is malformed", s)
	}
	return b, nil
}

// servable says whether a file name under dist/ is one a browser may load.
func servable(name string) bool {
	switch path.Ext(name) {
	case ".js", ".mjs", ".css", ".map", ".json":
		return !strings.HasSuffix(name, ".d.ts")
	}
	return false
}

// unpack writes the regular files below package/dist/ that a browser may
// load into dst/dist, after checking package/package.json names p. Links,
// devices, absolute paths and ".." never leave the tarball.
func (s *Store) unpack(tgz []byte, dst string, p Package) error {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	var total int64
	var manifestOK bool
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Clean(h.Name)
		if name != h.Name || strings.Contains(name, "\\") || strings.HasPrefix(name, "/") {
			continue
		}
		if name == "package/package.json" {
			if err := checkManifest(tr, p); err != nil {
				return err
			}
			manifestOK = true
			continue
		}
		rel, ok := strings.CutPrefix(name, "package/dist/")
		if !ok || !servable(rel) || strings.Contains(rel, "..") {
			continue
		}
		total += h.Size
		if total > s.opt.MaxFiles {
			return fmt.Errorf("unpacked size over %d bytes", s.opt.MaxFiles)
		}
		out := filepath.Join(dst, "dist", filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
			return err
		}
		f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, io.LimitReader(tr, h.Size))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	if !manifestOK {
		return errors.New("package/package.json missing")
	}
	return nil
}

func checkManifest(r io.Reader, p Package) error {
	var m struct{ Name, Version string }
	if err := json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&m); err != nil {
		return fmt.Errorf("package.json: %w", err)
	}
	if m.Name != p.Name || m.Version != p.Version {
		return fmt.Errorf("package.json names %s@%s, expected %s@%s", m.Name, m.Version, p.Name, p.Version)
	}
	return nil
}
