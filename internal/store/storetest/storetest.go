// Package storetest gives tests a fresh, migrated database per test: a new
// SQLite file in t.TempDir() always, and a new PostgreSQL schema when
// GATEHOUSE_TEST_POSTGRES_URL is set. Each runs the same test body, so every
// behaviour is checked on both engines.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
)

// EnvPostgres names the environment variable holding the PostgreSQL URL.
const EnvPostgres = "GATEHOUSE_TEST_POSTGRES_URL"

// Each runs body once per available engine as a subtest named after it.
func Each(t *testing.T, body func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { body(t, OpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv(EnvPostgres) == "" {
			t.Skip(EnvPostgres + " is not set; skipping the PostgreSQL variant (.ci/run sets it)")
		}
		body(t, OpenPostgres(t))
	})
}

// OpenSQLite returns a migrated store on a fresh SQLite file.
func OpenSQLite(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return s
}

// PostgresURL returns a URL for a fresh, empty schema on the test server and
// registers its removal. It skips the test when the server is not configured.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skip(EnvPostgres + " is not set; skipping the PostgreSQL variant")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "gh_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema (is PostgreSQL running at %s?): %v", base, err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	qv := u.Query()
	qv.Set("search_path", schema)
	u.RawQuery = qv.Encode()
	return u.String()
}

// OpenPostgres returns a migrated store on a fresh schema.
func OpenPostgres(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Options{DatabaseURL: PostgresURL(t)})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return s
}
