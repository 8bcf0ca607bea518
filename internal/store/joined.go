package store

import (
	"context"
	"database/sql"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// Queries that read users together with their identifications in one
// statement: the user's columns (alias u) followed by the identification
// columns (alias i) of a LEFT JOIN on identifications, NULL for a user
// without any, ordered so that one user's rows are adjacent and in
// identification order (i.created_at, i.id). Each row repeats the user's
// columns; the metadata JSON is decoded once per user.

// joinedIdentColumns are identColumns of alias i.
var joinedIdentColumns = prefixed("i.", identColumns)

// joinedUserColumns are userColumns of alias u followed by joinedIdentColumns.
var joinedUserColumns = prefixed("u.", userColumns) + ", " + joinedIdentColumns

// identLeftJoin joins alias i to the user alias u.
const identLeftJoin = " LEFT JOIN identifications i ON i.user_id = u.id"

// identOrder orders a user's identifications as attachIdentifications does.
const identOrder = "i.created_at, i.id"

// nullIdent receives the identification columns of a LEFT JOIN.
type nullIdent struct {
	id, userID, kind, value, norm, status, strategy sql.NullString
	attempts                                        sql.NullInt64
	expireAt                                        *int64
	reserved                                        sql.NullBool
	createdAt, updatedAt                            sql.NullInt64
}

func (n *nullIdent) dest() []any {
	return []any{&n.id, &n.userID, &n.kind, &n.value, &n.norm, &n.status, &n.strategy, &n.attempts, &n.expireAt,
		&n.reserved, &n.createdAt, &n.updatedAt}
}

// ident is the scanned identification; ok is false for the NULL row of a
// user without identifications.
func (n *nullIdent) ident() (gatehouse.Identification, bool) {
	if !n.id.Valid {
		return gatehouse.Identification{}, false
	}
	return gatehouse.Identification{ID: n.id.String, UserID: n.userID.String, Kind: n.kind.String, Value: n.value.String,
		Normalized: n.norm.String, VerificationStatus: n.status.String, VerificationStrategy: n.strategy.String,
		VerificationAttempts: int(n.attempts.Int64), VerificationExpireAt: n.expireAt, Reserved: n.reserved.Bool,
		CreatedAt: n.createdAt.Int64, UpdatedAt: n.updatedAt.Int64}, true
}

// joinedUser scans rows of joinedUserColumns (after pre, the columns the
// caller selects first) into users with their identifications.
type joinedUser struct {
	raw   userScan
	ident nullIdent
	dst   []any
	cur   *gatehouse.User
	skip  bool // cur's identifications were read already
}

func newJoinedUser(pre ...any) *joinedUser {
	j := &joinedUser{}
	j.dst = append(append(append(j.dst, pre...), j.raw.dest()...), j.ident.dest()...)
	return j
}

// scan reads one row into the destinations.
func (j *joinedUser) scan(sc scanner) error { return mapErr(sc.Scan(j.dst...)) }

// user returns the row's user. first says the row starts a new group (a
// user, or a session and its user): the user is built from the row, or
// taken from known when an earlier group read it already (its
// identifications are complete then). Otherwise the row adds one more
// identification to the current user.
func (j *joinedUser) user(first bool, known map[string]*gatehouse.User) (*gatehouse.User, error) {
	if first || j.cur == nil {
		if u := known[j.raw.u.ID]; u != nil {
			j.cur, j.skip = u, true
			return u, nil
		}
		u, err := j.raw.user()
		if err != nil {
			return nil, err
		}
		u.EmailAddresses, u.PhoneNumbers = []gatehouse.Identification{}, []gatehouse.Identification{}
		j.cur, j.skip = u, false
		if known != nil {
			known[u.ID] = u
		}
	}
	if idn, ok := j.ident.ident(); ok && !j.skip {
		if idn.Kind == gatehouse.KindPhone {
			j.cur.PhoneNumbers = append(j.cur.PhoneNumbers, idn)
		} else {
			j.cur.EmailAddresses = append(j.cur.EmailAddresses, idn)
		}
	}
	return j.cur, nil
}

// oneJoinedUser runs a query for one user's rows (pre, then
// joinedUserColumns) and returns the user with its identifications;
// gatehouse.ErrNotFound when there is no row.
func (q *Q) oneJoinedUser(ctx context.Context, query string, args []any, pre ...any) (*gatehouse.User, error) {
	rs, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	j := newJoinedUser(pre...)
	var u *gatehouse.User
	for rs.Next() {
		if err := j.scan(rs); err != nil {
			return nil, err
		}
		if u != nil && j.raw.u.ID != u.ID {
			continue // one user only, as a single-row read would (the lookups are unique)
		}
		if u, err = j.user(false, nil); err != nil {
			return nil, err
		}
	}
	if err := rs.Err(); err != nil {
		return nil, mapErr(err)
	}
	if u == nil {
		return nil, gatehouse.ErrNotFound
	}
	return u, nil
}
