package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// A closed database is unavailable, and the store says so with the domain
// error, for reads and for transactions alike.
func TestClosedStoreIsUnavailable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_ = s.Close()
		if _, err := s.Q().ListUsers(ctx, store.UserFilter{}); !errors.Is(err, gatehouse.ErrUnavailable) {
			t.Errorf("read on a closed store: %v, want ErrUnavailable", err)
		}
		if _, err := s.Q().GetSession(ctx, "sess_x"); !errors.Is(err, gatehouse.ErrUnavailable) {
			t.Errorf("row read on a closed store: %v, want ErrUnavailable", err)
		}
		err := s.Tx(ctx, func(q *store.Q) error { return nil })
		if !errors.Is(err, gatehouse.ErrUnavailable) {
			t.Errorf("transaction on a closed store: %v, want ErrUnavailable", err)
		}
	})
}
