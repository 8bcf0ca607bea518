package store_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// EnabledEndpoints reads once per transaction, forgets what it read when
// the transaction writes an endpoint, and is never kept past the
// transaction: the next one sees endpoints written elsewhere.
func TestEnabledEndpointsPerTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx, n := store.WithCounter(context.Background())
		ep := func(id string) *store.EndpointRow {
			return &store.EndpointRow{ID: id, URL: "https://example.com/" + id, SecretSealed: []byte("x"), CreatedAt: 1, UpdatedAt: 1}
		}
		err := s.Tx(ctx, func(q *store.Q) error {
			for i := 0; i < 3; i++ {
				list, err := q.EnabledEndpoints(ctx)
				if err != nil || len(list) != 0 {
					t.Fatalf("read %d: %v %v", i, list, err)
				}
			}
			if got := n.Counts().Statements; got != 1 {
				t.Errorf("three reads in one transaction ran %d statements, want 1", got)
			}
			if err := q.InsertEndpoint(ctx, ep("ep_a")); err != nil {
				return err
			}
			list, err := q.EnabledEndpoints(ctx)
			if err != nil || len(list) != 1 || list[0].ID != "ep_a" {
				t.Fatalf("after an insert in the transaction: %v %v", list, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// Written by "another node" (another transaction): seen by the next.
		if err := s.Tx(ctx, func(q *store.Q) error { return q.InsertEndpoint(ctx, ep("ep_b")) }); err != nil {
			t.Fatal(err)
		}
		err = s.Tx(ctx, func(q *store.Q) error {
			list, err := q.EnabledEndpoints(ctx)
			if err != nil || len(list) != 2 {
				t.Fatalf("next transaction: %v %v", list, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
