package bapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
	"github.com/gatehouse/gatehouse/internal/wire"
)

func (a *API) render(u *gatehouse.User) wire.User {
	return wire.NewUser(u, wire.UserOptions{Private: true, Now: a.Clock.Now(), PublicURL: a.PublicURL})
}

// userFilter parses the filters of GET /users and /users/count: user_id must
// be well-formed user IDs, every other value valid text of at most 256 bytes
// (filterList); anything else is a 422 naming the parameter.
func userFilter(r *http.Request, paged bool) (gatehouse.UserFilter, error) {
	q := r.URL.Query()
	var f gatehouse.UserFilter
	var err error
	if f.UserIDs, err = idList(q, "user_id", gatehouse.PrefixUser); err != nil {
		return f, err
	}
	for _, p := range []struct {
		name string
		dst  *[]string
	}{{"external_id", &f.ExternalIDs}, {"email_address", &f.EmailAddresses}, {"phone_number", &f.PhoneNumbers}, {"username", &f.Usernames}} {
		if *p.dst, err = filterList(q, p.name); err != nil {
			return f, err
		}
	}
	if f.Query = q.Get("query"); f.Query != "" {
		if err := filterText("query", f.Query); err != nil {
			return f, err
		}
	}
	if len(f.UserIDs)+len(f.ExternalIDs)+len(f.EmailAddresses)+len(f.PhoneNumbers)+len(f.Usernames) > 500 {
		return f, gatehouse.ParamInvalid("user_id", "At most 500 filter values can be given at once.")
	}
	if b := q.Get("banned"); b != "" {
		v, err := strconv.ParseBool(b)
		if err != nil {
			return f, gatehouse.ParamInvalid("banned", "banned must be true or false.")
		}
		f.Banned = &v
	}
	if !paged {
		return f, nil
	}
	f.Limit, f.Offset = 10, 0
	if err := paging(q, &f.Limit, &f.Offset); err != nil {
		return f, err
	}
	if s := q.Get("order_by"); s != "" {
		field := strings.TrimLeft(s, "+-")
		if !gatehouse.IsUserOrderField(field) || len(s)-len(field) > 1 {
			return f, gatehouse.ParamInvalid("order_by", "order_by must be one of created_at, updated_at, last_sign_in_at, last_active_at, first_name, last_name, username, optionally prefixed with + or -.")
		}
		f.OrderBy = s
	}
	return f, nil
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	f, err := userFilter(r, true)
	if err != nil {
		return err
	}
	list, err := a.Users.List(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]wire.User, len(list))
	for i, u := range list {
		out[i] = a.render(u)
	}
	httpx.JSON(w, http.StatusOK, out) // a bare array, as Clerk returns
	return nil
}

func (a *API) countUsers(w http.ResponseWriter, r *http.Request) error {
	f, err := userFilter(r, false)
	if err != nil {
		return err
	}
	n, err := a.Users.Count(r.Context(), f)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, wire.TotalCount{Object: "total_count", TotalCount: n})
	return nil
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := a.Users.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, a.render(u))
	return nil
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := a.Users.Delete(r.Context(), id); err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, wire.DeletedObject{Object: "user", ID: id, Deleted: true})
	return nil
}

func (a *API) ban(banned bool) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := a.Users.SetBanned(r.Context(), r.PathValue("id"), banned)
		if err != nil {
			return err
		}
		httpx.JSON(w, http.StatusOK, a.render(u))
		return nil
	}
}

func (a *API) lock(w http.ResponseWriter, r *http.Request) error {
	u, err := a.Users.Lock(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, a.render(u))
	return nil
}

func (a *API) unlock(w http.ResponseWriter, r *http.Request) error {
	u, err := a.Users.Unlock(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, a.render(u))
	return nil
}

type metadataBody struct {
	PublicMetadata  gatehouse.Opt[map[string]any] `json:"public_metadata"`
	PrivateMetadata gatehouse.Opt[map[string]any] `json:"private_metadata"`
	UnsafeMetadata  gatehouse.Opt[map[string]any] `json:"unsafe_metadata"`
}

func (a *API) mergeMetadata(w http.ResponseWriter, r *http.Request) error {
	var b metadataBody
	if err := httpx.Decode(r, &b); err != nil {
		return err
	}
	patch := func(o gatehouse.Opt[map[string]any]) map[string]any {
		if !o.Set {
			return nil
		}
		if o.Null || o.Value == nil {
			return map[string]any{} // null merges nothing
		}
		return o.Value
	}
	u, err := a.Users.MergeMetadata(r.Context(), r.PathValue("id"), patch(b.PublicMetadata), patch(b.PrivateMetadata), patch(b.UnsafeMetadata))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, a.render(u))
	return nil
}

func (a *API) replaceMetadata(w http.ResponseWriter, r *http.Request) error {
	var b metadataBody
	if err := httpx.Decode(r, &b); err != nil {
		return err
	}
	u, err := a.Users.ReplaceMetadata(r.Context(), r.PathValue("id"), b.PublicMetadata, b.PrivateMetadata, b.UnsafeMetadata)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, a.render(u))
	return nil
}

func (a *API) verifyPassword(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Password *string `json:"password"`
	}
	if err := httpx.Decode(r, &b); err != nil {
		return err
	}
	if b.Password == nil || *b.Password == "" {
		return gatehouse.ParamMissing("password")
	}
	if err := a.passwordLimited(r); err != nil {
		return err
	}
	ok, err := a.Users.VerifyPassword(r.Context(), r.PathValue("id"), *b.Password)
	if err != nil {
		return err
	}
	if !ok {
		return gatehouse.Err(gatehouse.CodePasswordIncorrect).Param("password")
	}
	httpx.JSON(w, http.StatusOK, map[string]bool{"verified": true})
	return nil
}

// timestampParam accepts a Unix-ms number or an RFC 3339 string (the spec's
// legal_accepted_at is a date-time string; SDKs send either).
type timestampParam struct{ ms int64 }

func (t *timestampParam) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		v, err := n.Int64()
		if err != nil || v < 0 {
			return gatehouse.ParamInvalid("legal_accepted_at", "legal_accepted_at must be a Unix millisecond timestamp or an RFC 3339 date-time.")
		}
		t.ms = v
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return gatehouse.ParamInvalid("legal_accepted_at", "legal_accepted_at must be a Unix millisecond timestamp or an RFC 3339 date-time.")
	}
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return gatehouse.ParamInvalid("legal_accepted_at", "legal_accepted_at must be a Unix millisecond timestamp or an RFC 3339 date-time.")
	}
	t.ms = tm.UnixMilli()
	return nil
}
