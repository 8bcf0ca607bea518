package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // seeding the SQLite database directly
)

// seedUsers inserts users seed+1 … seed+n (no password, one verified email
// seedNNNNNNNN@example.com each) straight into the database, in chunks of
// 100,000 rows, printing progress. It is how the 1M-user scenarios get their
// data in seconds rather than hours; the rows look like Backend API users.
func seedUsers(ctx context.Context, s *server, from, n int, progress io.Writer) error {
	driver, dsn := "pgx", s.dbURL
	if s.dbURL == "" {
		driver, dsn = "sqlite", "file:"+filepath.Join(s.dataDir, "gatehouse.db")+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	now := time.Now().UnixMilli()
	const chunk = 100_000
	for lo := from + 1; lo <= from+n; lo += chunk {
		hi := min(lo+chunk-1, from+n)
		var users, idns string
		if driver == "pgx" {
			users = `INSERT INTO users (id, primary_email_address_id, created_at, updated_at)
				SELECT 'user_seed' || lpad(g::text, 8, '0'), 'idn_seed' || lpad(g::text, 8, '0'), $3, $3 FROM generate_series($1::bigint, $2::bigint) g`
			idns = `INSERT INTO identifications (id, user_id, kind, value, value_norm, verification_status, verification_strategy, created_at, updated_at)
				SELECT 'idn_seed' || lpad(g::text, 8, '0'), 'user_seed' || lpad(g::text, 8, '0'), 'email_address',
				'seed' || lpad(g::text, 8, '0') || '@example.com', 'seed' || lpad(g::text, 8, '0') || '@example.com', 'verified', 'admin', $3, $3
				FROM generate_series($1::bigint, $2::bigint) g`
		} else {
			seq := `WITH RECURSIVE seq(g) AS (SELECT ?1 UNION ALL SELECT g+1 FROM seq WHERE g < ?2) `
			users = `INSERT INTO users (id, primary_email_address_id, created_at, updated_at) ` + seq +
				`SELECT printf('user_seed%08d', g), printf('idn_seed%08d', g), ?3, ?3 FROM seq`
			idns = `INSERT INTO identifications (id, user_id, kind, value, value_norm, verification_status, verification_strategy, created_at, updated_at) ` + seq +
				`SELECT printf('idn_seed%08d', g), printf('user_seed%08d', g), 'email_address', printf('seed%08d@example.com', g),
				printf('seed%08d@example.com', g), 'verified', 'admin', ?3, ?3 FROM seq`
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, users, lo, hi, now); err != nil {
			tx.Rollback()
			return fmt.Errorf("seed users: %w", err)
		}
		if _, err := tx.ExecContext(ctx, idns, lo, hi, now); err != nil {
			tx.Rollback()
			return fmt.Errorf("seed identifications: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		fmt.Fprintf(progress, "\r  seeded %d / %d users", hi-from, n)
	}
	fmt.Fprintln(progress)
	for _, t := range []string{"users", "identifications"} {
		if _, err := db.ExecContext(ctx, "ANALYZE "+t); err != nil {
			return err
		}
	}
	return nil
}

func seedEmail(i int) string  { return fmt.Sprintf("seed%08d@example.com", i) }
func seedUserID(i int) string { return fmt.Sprintf("user_seed%08d", i) }
