package server

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// warnOpenDataDirs warns about a data directory (the --data-dir, which holds
// the development encryption key, and the SQLite database's directory) that
// other users may read (list and open files left readable) or write (delete
// or replace the database). Gatehouse creates its files 0600 and new
// directories 0700, but an existing directory keeps the mode it was given.
func warnOpenDataDirs(log *slog.Logger, dataDir, dbPath string) {
	if log == nil {
		return
	}
	dirs := []string{dataDir}
	if dbPath != "" {
		dirs = append(dirs, filepath.Dir(dbPath))
	}
	seen := map[string]bool{}
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if d == "" || err != nil || seen[abs] {
			continue
		}
		seen[abs] = true
		fi, err := os.Stat(abs)
		if err != nil || !fi.IsDir() {
			continue
		}
		if m := fi.Mode().Perm(); m&0o006 != 0 {
			log.Warn("data directory is readable or writable by other users; restrict it, e.g. chmod 700",
				"path", abs, "mode", fmt.Sprintf("%04o", m))
		}
	}
}
