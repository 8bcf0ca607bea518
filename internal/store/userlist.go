package store

import (
	"context"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// UserFilter selects users for ListUsers and CountUsers (see
// gatehouse.UserFilter).
type UserFilter = gatehouse.UserFilter

// orderColumns maps gatehouse.UserOrderFields to their columns.
var orderColumns = map[string]string{
	"created_at":      "created_at",
	"updated_at":      "updated_at",
	"last_sign_in_at": "last_sign_in_at",
	"last_active_at":  "last_active_at",
	"first_name":      "first_name",
	"last_name":       "last_name",
	"username":        "username_norm",
}

func userWhere(f UserFilter) (string, []any) {
	var conds []string
	var args []any
	add := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		conds = append(conds, col+" IN ("+inList(len(vals))+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	add("id", f.UserIDs)
	add("external_id", f.ExternalIDs)
	lowered := make([]string, len(f.Usernames))
	for i, u := range f.Usernames {
		lowered[i] = strings.ToLower(u)
	}
	add("username_norm", lowered)
	for _, kv := range []struct {
		kind string
		vals []string
	}{{gatehouse.KindEmail, f.EmailAddresses}, {gatehouse.KindPhone, f.PhoneNumbers}} {
		if len(kv.vals) == 0 {
			continue
		}
		conds = append(conds, "id IN (SELECT user_id FROM identifications WHERE kind=? AND value_norm IN ("+inList(len(kv.vals))+"))")
		args = append(args, kv.kind)
		for _, v := range kv.vals {
			args = append(args, v)
		}
	}
	if f.Banned != nil {
		conds = append(conds, "banned=?")
		args = append(args, *f.Banned)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		pat := "%" + escapeLike(strings.ToLower(q)) + "%"
		conds = append(conds, `(LOWER(id) LIKE ? ESCAPE '\' OR LOWER(COALESCE(first_name,'')) LIKE ? ESCAPE '\'
			OR LOWER(COALESCE(last_name,'')) LIKE ? ESCAPE '\' OR COALESCE(username_norm,'') LIKE ? ESCAPE '\'
			OR id IN (SELECT user_id FROM identifications WHERE value_norm LIKE ? ESCAPE '\'))`)
		args = append(args, pat, pat, pat, pat, pat)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// ListUsers returns the users matching f, with identifications.
func (q *Q) ListUsers(ctx context.Context, f UserFilter) ([]*gatehouse.User, error) {
	where, args := userWhere(f)
	order := "created_at DESC"
	if f.OrderBy != "" {
		field, dir := f.OrderBy, "ASC"
		switch field[0] {
		case '-':
			field, dir = field[1:], "DESC"
		case '+':
			field = field[1:]
		}
		col, ok := orderColumns[field]
		if !ok {
			col, dir = "created_at", "DESC"
		}
		order = col + " " + dir
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 10
	}
	args = append(args, limit, max(f.Offset, 0))
	rows, err := q.query(ctx, "SELECT "+userColumns+" FROM users"+where+" ORDER BY "+order+", id LIMIT ? OFFSET ?", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	users := []*gatehouse.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if err := q.attachIdentifications(ctx, users); err != nil {
		return nil, err
	}
	return users, nil
}

// CountUsers counts the users matching f (Limit/Offset/OrderBy ignored).
func (q *Q) CountUsers(ctx context.Context, f UserFilter) (int, error) {
	where, args := userWhere(f)
	var n int
	err := q.queryRow(ctx, "SELECT COUNT(*) FROM users"+where, args...).Scan(&n)
	return n, mapErr(err)
}
