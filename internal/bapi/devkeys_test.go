package bapi_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/apitest"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/keys"
	"github.com/gatehouse/gatehouse/internal/store"
)

func bapiStatus(s *apitest.Server, key string) (int, string) {
	r := s.Do("GET", "/api/v1/users", nil, map[string]string{"Authorization": "Bearer " + key})
	return r.Status, r.ErrorCode()
}

// Development mode makes sk_test_ keys and still accepts the sk_live_ keys
// older versions created for a development instance (under either prefix);
// the same data directory in production accepts only sk_live_ keys and
// deletes its dev browsers.
func TestSecretKeyPrefixesByMode(t *testing.T) {
	dir := t.TempDir()
	dev := apitest.StartConfig(t, apitest.SQLite, func(c *config.Config) { c.DataDir = dir })
	if !strings.HasPrefix(dev.SecretKey, "sk_test_") {
		t.Fatalf("development bootstrap key: %s", dev.SecretKey)
	}
	rest := strings.TrimPrefix(dev.SecretKey, "sk_test_")
	// A key as an older version made it in development: sk_live_.
	old, err := keys.RandomToken(32)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := dev.App.Store.Tx(ctx, func(q *store.Q) error {
		return q.InsertSecretKey(ctx, store.SecretKeyRow{ID: gatehouse.NewID(gatehouse.PrefixSecretKey), Hash: keys.HashSecretKey("sk_live_" + old),
			Hint: old[len(old)-4:], Name: "old", CreatedAt: 1})
	}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{dev.SecretKey, "sk_live_" + rest, "sk_live_" + old, "sk_test_" + old} {
		if st, code := bapiStatus(dev, k); st != 200 {
			t.Errorf("development, key %.12s…: %d %s", k, st, code)
		}
	}
	for _, k := range []string{"sk_test_" + old + "x", "sk_other_" + old, "pk_test_" + old} {
		if st, code := bapiStatus(dev, k); st != 401 || code != "clerk_key_invalid" {
			t.Errorf("development, key %.12s…: %d %s", k, st, code)
		}
	}
	if _, _, err := dev.App.Sessions.CreateDevBrowser(ctx, "", ""); err != nil {
		t.Fatal(err)
	}

	enc, err := os.ReadFile(filepath.Join(dir, "encryption.key"))
	if err != nil {
		t.Fatal(err)
	}
	prod := apitest.StartProduction(t, apitest.SQLite, func(c *config.Config) {
		c.DataDir, c.EncryptionKey = dir, strings.TrimSpace(string(enc))
	})
	if pk := prod.App.Instance.PublishableKey(); !strings.HasPrefix(pk, "pk_live_") {
		t.Fatalf("production publishable key: %s", pk)
	}
	for _, k := range []string{dev.SecretKey, "sk_test_" + old} {
		if st, code := bapiStatus(prod, k); st != 401 || code != "clerk_key_invalid" {
			t.Errorf("production, key %.12s…: %d %s", k, st, code)
		}
	}
	if st, code := bapiStatus(prod, "sk_live_"+old); st != 200 {
		t.Errorf("production, stored sk_live_ key: %d %s", st, code)
	}
	if n, err := prod.App.Sessions.ClearDevBrowsers(ctx); err != nil || n != 0 {
		t.Fatalf("production kept %d dev browsers (%v)", n, err)
	}
	plain, _, err := prod.App.Instance.CreateSecretKey(ctx, "prod")
	if err != nil || !strings.HasPrefix(plain, "sk_live_") {
		t.Fatalf("production secret key: %s %v", plain, err)
	}
}
