package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

func newUser(email string, at int64) *gatehouse.User {
	id := gatehouse.NewID(gatehouse.PrefixUser)
	idn := gatehouse.Identification{ID: gatehouse.NewID(gatehouse.PrefixIdentification), UserID: id,
		Kind: gatehouse.KindEmail, Value: email, Normalized: strings.ToLower(email),
		VerificationStatus: gatehouse.VerificationVerified, VerificationStrategy: gatehouse.StrategyAdmin,
		CreatedAt: at, UpdatedAt: at}
	return &gatehouse.User{ID: id, FirstName: ptr("Ada"), PublicMetadata: map[string]any{"role": "admin"},
		PrimaryEmailAddressID: &idn.ID, EmailAddresses: []gatehouse.Identification{idn},
		DeleteSelfEnabled: true, CreateOrgEnabled: true, CreatedAt: at, UpdatedAt: at}
}

func TestMigrationsMatchAcrossEngines(t *testing.T) {
	a, err := store.Migrations(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.Migrations(store.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Name != b[i].Name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i+1, a[i].Name, b[i].Name)
		}
	}
}

func TestStoreContract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		t.Run("migrate is idempotent", func(t *testing.T) {
			res, err := s.Migrate(ctx)
			if err != nil || len(res.Applied) != 0 {
				t.Fatalf("second migrate: %+v %v", res, err)
			}
		})
		t.Run("user round trip", func(t *testing.T) {
			u := newUser("Ada@Example.com", 1000)
			u.Username = ptr("AdaL")
			u.PrivateMetadata = map[string]any{"n": float64(3), "nested": map[string]any{"a": true}}
			if err := s.Tx(ctx, func(q *store.Q) error { return q.InsertUser(ctx, u) }); err != nil {
				t.Fatal(err)
			}
			got, err := s.Q().GetUser(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if *got.FirstName != "Ada" || got.PublicMetadata["role"] != "admin" || len(got.EmailAddresses) != 1 ||
				got.EmailAddresses[0].Value != "Ada@Example.com" || !got.DeleteSelfEnabled || got.Banned ||
				got.PrivateMetadata["nested"].(map[string]any)["a"] != true || got.PhoneNumbers == nil {
				t.Fatalf("round trip mismatch: %+v", got)
			}
			id, err := s.Q().FindUserByUsername(ctx, "adal")
			if err != nil || id != u.ID {
				t.Fatalf("find by username: %q %v", id, err)
			}
			got.Banned, got.LastName = true, ptr("Lovelace")
			got.UpdatedAt = 2000
			if err := s.Tx(ctx, func(q *store.Q) error { return q.UpdateUser(ctx, got) }); err != nil {
				t.Fatal(err)
			}
			again, _ := s.Q().GetUser(ctx, u.ID)
			if !again.Banned || *again.LastName != "Lovelace" || again.UpdatedAt != 2000 {
				t.Fatalf("update not stored: %+v", again)
			}
		})
		t.Run("unique identifications conflict and roll back", func(t *testing.T) {
			a := newUser("dup@example.com", 1)
			if err := s.Tx(ctx, func(q *store.Q) error { return q.InsertUser(ctx, a) }); err != nil {
				t.Fatal(err)
			}
			b := newUser("dup@example.com", 2)
			err := s.Tx(ctx, func(q *store.Q) error { return q.InsertUser(ctx, b) })
			var c *gatehouse.ErrConflict
			if !errors.As(err, &c) || c.Field != "identification" {
				t.Fatalf("want identification conflict, got %v", err)
			}
			if _, err := s.Q().GetUser(ctx, b.ID); !errors.Is(err, gatehouse.ErrNotFound) {
				t.Fatalf("half-written user after failed insert: %v", err)
			}
		})
		t.Run("list filters order and count", func(t *testing.T) {
			var ids []string
			for i, e := range []string{"l1@list.test", "l2@list.test", "l3@list.test"} {
				u := newUser(e, int64(10_000+i))
				if err := s.Tx(ctx, func(q *store.Q) error { return q.InsertUser(ctx, u) }); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, u.ID)
			}
			f := store.UserFilter{Query: "list.test", OrderBy: "+created_at", Limit: 2}
			got, err := s.Q().ListUsers(ctx, f)
			if err != nil || len(got) != 2 || got[0].ID != ids[0] || got[1].ID != ids[1] {
				t.Fatalf("list: %v %v", got, err)
			}
			f.Offset = 2
			got, _ = s.Q().ListUsers(ctx, f)
			if len(got) != 1 || got[0].ID != ids[2] {
				t.Fatalf("offset: %v", got)
			}
			n, err := s.Q().CountUsers(ctx, store.UserFilter{EmailAddresses: []string{"l2@list.test", "l3@list.test"}})
			if err != nil || n != 2 {
				t.Fatalf("count: %d %v", n, err)
			}
			got, _ = s.Q().ListUsers(ctx, store.UserFilter{UserIDs: []string{ids[1]}})
			if len(got) != 1 || got[0].EmailAddresses[0].Value != "l2@list.test" {
				t.Fatalf("by id: %v", got)
			}
			n, _ = s.Q().CountUsers(ctx, store.UserFilter{Query: "100%_"})
			if n != 0 {
				t.Fatalf("LIKE wildcards must be escaped, got %d", n)
			}
		})
		t.Run("delete cascades", func(t *testing.T) {
			u := newUser("gone@example.com", 5)
			_ = s.Tx(ctx, func(q *store.Q) error { return q.InsertUser(ctx, u) })
			if err := s.Tx(ctx, func(q *store.Q) error { return q.DeleteUser(ctx, u.ID) }); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Q().FindIdentification(ctx, gatehouse.KindEmail, "gone@example.com"); !errors.Is(err, gatehouse.ErrNotFound) {
				t.Fatalf("identification survived delete: %v", err)
			}
			err := s.Tx(ctx, func(q *store.Q) error { return q.DeleteUser(ctx, u.ID) })
			if !errors.Is(err, gatehouse.ErrNotFound) {
				t.Fatalf("second delete: %v", err)
			}
		})
		t.Run("instance and keys", func(t *testing.T) {
			if _, err := s.Q().GetInstance(ctx); !errors.Is(err, gatehouse.ErrNotFound) {
				t.Fatalf("instance before bootstrap: %v", err)
			}
			in := &gatehouse.Instance{ID: "ins_x", CreatedAt: 1, Settings: gatehouse.Settings{ApplicationName: "Acme"}}
			err := s.Tx(ctx, func(q *store.Q) error {
				if err := q.InsertInstance(ctx, in); err != nil {
					return err
				}
				if err := q.InsertSigningKey(ctx, store.SigningKeyRow{KID: "k1", Alg: "RS256", PrivateSealed: []byte{1, 2, 0, 255}, Status: "active", CreatedAt: 1}); err != nil {
					return err
				}
				return q.InsertSecretKey(ctx, store.SecretKeyRow{ID: "ak_1", Hash: []byte{9, 9}, Hint: "abcd", CreatedAt: 1})
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Q().GetInstance(ctx)
			if err != nil || got.Settings.ApplicationName != "Acme" {
				t.Fatalf("instance: %+v %v", got, err)
			}
			_ = s.Tx(ctx, func(q *store.Q) error {
				if err := q.RetireSigningKeys(ctx, 50); err != nil {
					return err
				}
				return q.InsertSigningKey(ctx, store.SigningKeyRow{KID: "k2", Alg: "RS256", PrivateSealed: []byte{3}, Status: "active", CreatedAt: 60})
			})
			keys, err := s.Q().ListSigningKeys(ctx, 40)
			if err != nil || len(keys) != 2 || keys[0].KID != "k2" || keys[1].KID != "k1" || keys[1].PrivateSealed[3] != 255 {
				t.Fatalf("keys: %+v %v", keys, err)
			}
			if keys, _ := s.Q().ListSigningKeys(ctx, 50); len(keys) != 1 {
				t.Fatalf("retired key past its window still listed: %+v", keys)
			}
			k, err := s.Q().FindSecretKey(ctx, []byte{9, 9})
			if err != nil || k.ID != "ak_1" {
				t.Fatalf("secret key: %v %v", k, err)
			}
			_ = s.Tx(ctx, func(q *store.Q) error { return q.RevokeSecretKey(ctx, "ak_1", 2) })
			if _, err := s.Q().FindSecretKey(ctx, []byte{9, 9}); !errors.Is(err, gatehouse.ErrNotFound) {
				t.Fatalf("revoked key still found: %v", err)
			}
		})
	})
}

func TestOpenRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"mysql://x", "postgres://user:hunter2@127.0.0.1:1/db?connect_timeout=1", "sqlite:"} {
		_, err := store.Open(context.Background(), store.Options{DatabaseURL: u})
		if err == nil {
			t.Fatalf("%s: expected an error", u)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("error leaks the password: %v", err)
		}
	}
}
