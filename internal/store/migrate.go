package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one numbered schema change for one engine.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations for an engine, in order.
func Migrations(e Engine) ([]Migration, error) {
	dir := "migrations/" + string(e)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, ent := range entries {
		name := ent.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %s/%s: name must start with a positive version number and '_'", dir, name)
		}
		body, err := fs.ReadFile(migrationFS, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations for %s: expected version %d, found %s", e, i+1, m.Name)
		}
	}
	return out, nil
}

// MigrateResult reports what Migrate did.
type MigrateResult struct {
	From, To int
	Applied  []string
}

// Migrate applies every pending migration in one transaction (all or none). On
// PostgreSQL an advisory lock serialises nodes that start at the same time.
// A database newer than this binary is refused.
func (s *Store) Migrate(ctx context.Context) (MigrateResult, error) {
	ms, err := Migrations(s.engine)
	if err != nil {
		return MigrateResult{}, err
	}
	var res MigrateResult
	err = s.Tx(ctx, func(q *Q) error {
		q = &Q{db: q.db, engine: q.engine} // scripts hold several statements: never prepare them
		if s.engine == Postgres {
			if err := q.AdvisoryLock(ctx, 7318000001); err != nil {
				return fmt.Errorf("take migration lock: %w", err)
			}
		}
		if _, err := q.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var cur int
		if err := q.queryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&cur); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		res.From, res.To = cur, cur
		if cur > len(ms) {
			return fmt.Errorf("database schema version %d is newer than this binary knows (%d): upgrade gatehouse", cur, len(ms))
		}
		for _, m := range ms[cur:] {
			if _, err := q.exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("apply migration %s: %w", m.Name, err)
			}
			if _, err := q.exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.Version, m.Name, time.Now().UnixMilli()); err != nil {
				return fmt.Errorf("record migration %s: %w", m.Name, err)
			}
			res.Applied = append(res.Applied, m.Name)
			res.To = m.Version
		}
		return nil
	})
	return res, err
}

// SchemaVersion returns the applied schema version (0 for an empty database).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	if err != nil {
		return 0, err
	}
	return v, nil
}
