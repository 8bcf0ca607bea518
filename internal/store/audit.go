package store

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// AuditEvent is one row of the audit log.
type AuditEvent = gatehouse.AuditEvent

// AuditFilter selects audit events; zero fields do not filter.
type AuditFilter = gatehouse.AuditFilter

// InsertAuditEvent records ev.
func (q *Q) InsertAuditEvent(ctx context.Context, ev *AuditEvent) error {
	data, err := json.Marshal(ev.Data)
	if err != nil {
		return err
	}
	if ev.Data == nil {
		data = []byte("{}")
	}
	_, err = q.exec(ctx, `INSERT INTO audit_events (id, type, user_id, session_id, ip, user_agent, data, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ev.ID, ev.Type, ev.UserID, ev.SessionID, ev.IP, ev.UserAgent, string(data), ev.CreatedAt)
	return err
}

// ListAuditEvents returns matching events, newest first, and how many match.
func (q *Q) ListAuditEvents(ctx context.Context, f AuditFilter) ([]AuditEvent, int, error) {
	var where []string
	var args []any
	if len(f.Types) > 0 {
		where = append(where, "type IN ("+strings.TrimSuffix(strings.Repeat("?,", len(f.Types)), ",")+")")
		for _, t := range f.Types {
			args = append(args, t)
		}
	}
	if f.UserID != "" {
		where = append(where, "user_id = ?")
		args = append(args, f.UserID)
	}
	if f.Since > 0 {
		where = append(where, "created_at >= ?")
		args = append(args, f.Since)
	}
	if f.Until > 0 {
		where = append(where, "created_at < ?")
		args = append(args, f.Until)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := q.queryRow(ctx, "SELECT COUNT(*) FROM audit_events"+cond, args...).Scan(&total); err != nil {
		return nil, 0, mapErr(err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := q.query(ctx, "SELECT id, type, user_id, session_id, ip, user_agent, data, created_at FROM audit_events"+cond+
		" ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?", append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []AuditEvent{}
	for rows.Next() {
		var ev AuditEvent
		var data string
		if err := rows.Scan(&ev.ID, &ev.Type, &ev.UserID, &ev.SessionID, &ev.IP, &ev.UserAgent, &data, &ev.CreatedAt); err != nil {
			return nil, 0, err
		}
		if err := json.Unmarshal([]byte(data), &ev.Data); err != nil {
			return nil, 0, err
		}
		out = append(out, ev)
	}
	return out, total, rows.Err()
}
