package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
)

// The SQLite database and its -wal and -shm files are the owner's alone,
// also in a data directory that already exists with mode 0755 (so Gatehouse
// did not create it 0700) and whatever the umask; a database an earlier
// version left 0644 is restricted on open.
func TestSQLiteFilesAreOwnerOnly(t *testing.T) {
	for _, pre := range []os.FileMode{0, 0o644} {
		dir := filepath.Join(t.TempDir(), "data")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil { // no umask
			t.Fatal(err)
		}
		db := filepath.Join(dir, "gatehouse.db")
		if pre != 0 {
			seed, err := store.Open(context.Background(), store.Options{DataDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			seed.Close()
			for _, p := range []string{db, db + "-wal", db + "-shm"} {
				if err := os.Chmod(p, pre); err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
			}
		}
		for _, opts := range []store.Options{{DataDir: dir}, {DatabaseURL: "sqlite:" + db}} {
			st, err := store.Open(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.Migrate(context.Background()); err != nil { // writes: -wal and -shm exist
				t.Fatal(err)
			}
			if st.Path() != db {
				t.Errorf("Path() = %q, want %q", st.Path(), db)
			}
			for _, p := range []string{db, db + "-wal", db + "-shm"} {
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				if m := fi.Mode().Perm(); m&0o077 != 0 {
					t.Errorf("pre-existing mode %04o, %+v: %s has mode %04o, want no group/other access", pre, opts, filepath.Base(p), m)
				}
			}
			st.Close()
		}
	}
}
