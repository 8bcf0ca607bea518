package server

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

// Opening the store warns when others can read or write the data directory
// (which Gatehouse creates 0700 but an operator may have made 0755 or
// worse), and is quiet when it is the owner's alone.
func TestOpenStoreWarnsOnOpenDataDir(t *testing.T) {
	for mode, warn := range map[os.FileMode]bool{0o700: false, 0o711: false, 0o750: false, 0o755: true, 0o703: true, 0o777: true} {
		dir := filepath.Join(t.TempDir(), "data")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		st, err := OpenStore(context.Background(), config.Config{DataDir: dir}, slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
		if got := strings.Contains(logs.String(), "data directory is readable or writable by other users"); got != warn {
			t.Errorf("data dir %04o: warned=%v, want %v; log: %s", mode, got, warn, logs.String())
		}
		if warn && !strings.Contains(logs.String(), dir) {
			t.Errorf("data dir %04o: the warning does not name the directory: %s", mode, logs.String())
		}
	}
}
