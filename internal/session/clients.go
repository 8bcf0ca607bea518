package session

import (
	"context"
	"errors"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Client operations for the handlers, each in its own read or transaction,
// so that handlers never hold a store handle.

// ErrDevBrowserBound is returned by CreateClient when a concurrent request
// bound the dev browser to another client first (this one was rolled back).
var ErrDevBrowserBound = errors.New("dev browser bound by a concurrent request")

// GetClient loads a client by id.
func (s *Service) GetClient(ctx context.Context, id string) (*gatehouse.Client, error) {
	return s.st.Q().GetClient(ctx, id)
}

// CreateClient creates a client and returns it with its token. With dvb
// (development mode, an unbound dev browser) the client is bound to it in the
// same transaction, or nothing is written and ErrDevBrowserBound returned.
func (s *Service) CreateClient(ctx context.Context, dvb *gatehouse.DevBrowser) (*gatehouse.Client, string, error) {
	var c *gatehouse.Client
	var tok string
	err := s.st.Tx(ctx, func(q *store.Q) error {
		var err error
		if c, tok, err = s.NewClient(ctx, q); err != nil || dvb == nil {
			return err
		}
		ok, err := s.BindDevBrowser(ctx, q, dvb, c.ID)
		if err == nil && !ok {
			err = ErrDevBrowserBound
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return c, tok, nil
}

// RevokeOtherSessions revokes every active session of a user except keep
// ("" for all), in a transaction of its own.
func (s *Service) RevokeOtherSessions(ctx context.Context, userID, keep string) error {
	return s.st.Tx(ctx, func(q *store.Q) error {
		_, err := s.RevokeUserSessions(ctx, q, userID, keep)
		return err
	})
}
