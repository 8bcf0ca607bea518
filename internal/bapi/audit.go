package bapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
)

// GET /audit_events?type=a&type=b&user_id=&since=&until=&limit=&offset=
// (since/until: Unix milliseconds). Newest first.
func (a *API) listAuditEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := gatehouse.AuditFilter{Limit: 100}
	var err error
	if f.UserID, err = idParam(q, "user_id", gatehouse.PrefixUser); err != nil {
		return err
	}
	for _, t := range q["type"] {
		for _, part := range strings.Split(t, ",") {
			if part = strings.TrimSpace(part); part != "" {
				if len(part) > 64 {
					return gatehouse.ParamInvalid("type", "event types are at most 64 characters.")
				}
				f.Types = append(f.Types, part)
			}
		}
	}
	if len(f.Types) > 50 {
		return gatehouse.ParamInvalid("type", "At most 50 event types can be given at once.")
	}
	ints := []struct {
		name     string
		dst      *int64
		min, max int64
	}{{"since", &f.Since, 0, 1 << 53}, {"until", &f.Until, 0, 1 << 53}}
	for _, p := range ints {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < p.min || n > p.max {
				return gatehouse.ParamInvalid(p.name, p.name+" must be a time in Unix milliseconds.")
			}
			*p.dst = n
		}
	}
	if err := paging(q, &f.Limit, &f.Offset); err != nil {
		return err
	}
	events, total, err := a.Audit.List(r.Context(), f)
	if err != nil {
		return err
	}
	type eventJSON struct {
		Object string `json:"object"`
		gatehouse.AuditEvent
	}
	out := make([]eventJSON, len(events))
	for i, ev := range events {
		if ev.Data == nil {
			ev.Data = map[string]any{}
		}
		out[i] = eventJSON{Object: "audit_event", AuditEvent: ev}
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"data": out, "total_count": total})
	return nil
}
