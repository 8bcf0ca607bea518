package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// The one-statement reads of a user with its identifications: every
// identification once, in order, emails and phones apart; a user without
// any; sessions of the same user sharing one user value; an attempt joined
// with the user its state names.
func TestJoinedUserReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := newUser("first@example.com", 1000)
		second := u.EmailAddresses[0]
		second.ID, second.Value, second.Normalized, second.CreatedAt = gatehouse.NewID(gatehouse.PrefixIdentification), "second@example.com", "second@example.com", 1001
		phone := second
		phone.ID, phone.Kind, phone.Value, phone.Normalized, phone.CreatedAt = gatehouse.NewID(gatehouse.PrefixIdentification), gatehouse.KindPhone, "+15555550100", "+15555550100", 1002
		phone.VerificationExpireAt = ptr(int64(5000))
		u.EmailAddresses = append(u.EmailAddresses, second)
		u.PhoneNumbers = []gatehouse.Identification{phone}
		bare := newUser("bare@example.com", 1000)
		bare.EmailAddresses, bare.PrimaryEmailAddressID, bare.Username = nil, nil, ptr("bare")
		c := &gatehouse.Client{ID: gatehouse.NewID(gatehouse.PrefixClient), TokenHash: []byte("joined-token-hash"), CreatedAt: 1000, UpdatedAt: 1000}
		empty := &gatehouse.Client{ID: gatehouse.NewID(gatehouse.PrefixClient), TokenHash: []byte("joined-empty-hash"), CreatedAt: 1000, UpdatedAt: 1000}
		sess := func(id string, at int64) *gatehouse.Session {
			return &gatehouse.Session{ID: id, ClientID: c.ID, UserID: u.ID, Status: gatehouse.SessionActive, LastActiveAt: at,
				ExpireAt: at + 1e9, CreatedAt: at, UpdatedAt: at}
		}
		ended := sess("sess_ended", 900)
		ended.Status = gatehouse.SessionEnded
		attempt := &store.AttemptRow{ID: "sia_joined", ClientID: c.ID, Kind: "sign_in", State: []byte(`{"id":"sia_joined","user_id":"` + u.ID + `"}`),
			CreatedAt: 1000, UpdatedAt: 1000, ExpireAt: 9e12}
		orphan := &store.AttemptRow{ID: "sia_orphan", ClientID: c.ID, Kind: "sign_in", State: []byte(`{"id":"sia_orphan","phantom":true}`),
			CreatedAt: 1000, UpdatedAt: 1000, ExpireAt: 9e12}
		err := s.Tx(ctx, func(q *store.Q) error {
			return errors.Join(q.InsertUser(ctx, u), q.InsertUser(ctx, bare), q.InsertClient(ctx, c), q.InsertClient(ctx, empty),
				q.InsertSession(ctx, sess("sess_old", 1000)), q.InsertSession(ctx, sess("sess_new", 2000)), q.InsertSession(ctx, ended),
				q.PutAttempt(ctx, attempt), q.PutAttempt(ctx, orphan))
		})
		if err != nil {
			t.Fatal(err)
		}
		check := func(t *testing.T, got *gatehouse.User) {
			t.Helper()
			if got.ID != u.ID || got.PublicMetadata["role"] != "admin" || len(got.EmailAddresses) != 2 || len(got.PhoneNumbers) != 1 ||
				got.EmailAddresses[0].ID != u.EmailAddresses[0].ID || got.EmailAddresses[1].ID != second.ID ||
				!samePhone(got.PhoneNumbers[0], phone) {
				t.Fatalf("user read as %+v", got)
			}
		}
		q := s.Q()
		t.Run("get user", func(t *testing.T) {
			got, err := q.GetUser(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			check(t, got)
			got, err = q.GetUser(ctx, bare.ID)
			if err != nil || got.ID != bare.ID || got.EmailAddresses == nil || got.PhoneNumbers == nil ||
				len(got.EmailAddresses)+len(got.PhoneNumbers) != 0 {
				t.Fatalf("user without identifications: %+v %v", got, err)
			}
			if _, err := q.GetUser(ctx, "user_missing"); !errors.Is(err, gatehouse.ErrNotFound) {
				t.Fatalf("missing user: %v", err)
			}
		})
		t.Run("by identification", func(t *testing.T) {
			got, status, err := q.UserByIdentification(ctx, gatehouse.KindEmail, "second@example.com")
			if err != nil || status != gatehouse.VerificationVerified {
				t.Fatal(status, err)
			}
			check(t, got)
		})
		t.Run("client sessions", func(t *testing.T) {
			list, users, err := q.ClientSessionsWithUsers(ctx, c.ID)
			if err != nil || len(list) != 2 || list[0].ID != "sess_new" || list[1].ID != "sess_old" || len(users) != 1 {
				t.Fatalf("%+v %+v %v", list, users, err)
			}
			check(t, users[u.ID])
			got, list, users, err := q.ClientEnvelopeByTokenHash(ctx, c.TokenHash)
			if err != nil || got.ID != c.ID || len(list) != 2 || list[0].ID != "sess_new" || list[1].UserID != u.ID || len(users) != 1 {
				t.Fatalf("%+v %+v %+v %v", got, list, users, err)
			}
			check(t, users[u.ID])
			got, list, users, err = q.ClientEnvelopeByTokenHash(ctx, empty.TokenHash)
			if err != nil || got.ID != empty.ID || list == nil || len(list) != 0 || len(users) != 0 {
				t.Fatalf("client without sessions: %+v %+v %+v %v", got, list, users, err)
			}
			if _, _, _, err := q.ClientEnvelopeByTokenHash(ctx, []byte("no such hash")); !errors.Is(err, gatehouse.ErrNotFound) {
				t.Fatalf("unknown token: %v", err)
			}
		})
		t.Run("attempt with user", func(t *testing.T) {
			row, got, err := q.GetAttemptWithUser(ctx, attempt.ID, c.ID, "sign_in", "user_id")
			if err != nil || row.ID != attempt.ID || string(row.State) != string(attempt.State) || row.ExpireAt != attempt.ExpireAt {
				t.Fatalf("%+v %v", row, err)
			}
			check(t, got)
			row, got, err = q.GetAttemptWithUser(ctx, orphan.ID, c.ID, "sign_in", "user_id")
			if err != nil || row.ID != orphan.ID || got != nil {
				t.Fatalf("attempt without a user: %+v %+v %v", row, got, err)
			}
			if _, _, err := q.GetAttemptWithUser(ctx, attempt.ID, empty.ID, "sign_in", "user_id"); !errors.Is(err, gatehouse.ErrNotFound) {
				t.Fatalf("another client's attempt: %v", err)
			}
		})
	})
}

func samePhone(a, b gatehouse.Identification) bool {
	if (a.VerificationExpireAt == nil) != (b.VerificationExpireAt == nil) ||
		(a.VerificationExpireAt != nil && *a.VerificationExpireAt != *b.VerificationExpireAt) {
		return false
	}
	a.VerificationExpireAt, b.VerificationExpireAt = nil, nil
	return a == b
}
