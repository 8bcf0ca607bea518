package store

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// EndpointRow is a webhook endpoint; the secret is sealed.
type EndpointRow struct {
	ID           string
	URL          string
	Description  string
	EventTypes   []string // empty: every event
	SecretSealed []byte
	Disabled     bool
	FailingSince *int64
	CreatedAt    int64
	UpdatedAt    int64
}

// Wants reports whether the endpoint subscribes to an event type.
func (e *EndpointRow) Wants(eventType string) bool {
	if len(e.EventTypes) == 0 {
		return true
	}
	for _, t := range e.EventTypes {
		if t == eventType {
			return true
		}
	}
	return false
}

const endpointColumns = `id, url, description, event_types, secret_sealed, disabled, failing_since, created_at, updated_at`

func scanEndpoint(sc scanner) (*EndpointRow, error) {
	var e EndpointRow
	var types string
	if err := sc.Scan(&e.ID, &e.URL, &e.Description, &types, &e.SecretSealed, &e.Disabled, &e.FailingSince, &e.CreatedAt, &e.UpdatedAt); err != nil {
		return nil, mapErr(err)
	}
	if err := json.Unmarshal([]byte(types), &e.EventTypes); err != nil {
		return nil, err
	}
	return &e, nil
}

func typesJSON(t []string) string {
	if t == nil {
		t = []string{}
	}
	b, _ := json.Marshal(t)
	return string(b)
}

// InsertEndpoint stores an endpoint.
func (q *Q) InsertEndpoint(ctx context.Context, e *EndpointRow) error {
	q.enabledEndpoints = nil
	_, err := q.exec(ctx, "INSERT INTO webhook_endpoints ("+endpointColumns+") VALUES (?,?,?,?,?,?,?,?,?)",
		e.ID, e.URL, e.Description, typesJSON(e.EventTypes), e.SecretSealed, e.Disabled, e.FailingSince, e.CreatedAt, e.UpdatedAt)
	return err
}

// UpdateEndpoint writes an endpoint's mutable columns.
func (q *Q) UpdateEndpoint(ctx context.Context, e *EndpointRow) error {
	q.enabledEndpoints = nil
	res, err := q.exec(ctx, "UPDATE webhook_endpoints SET url=?, description=?, event_types=?, secret_sealed=?, disabled=?, failing_since=?, updated_at=? WHERE id=?",
		e.URL, e.Description, typesJSON(e.EventTypes), e.SecretSealed, e.Disabled, e.FailingSince, e.UpdatedAt, e.ID)
	if err != nil {
		return err
	}
	return expectOne(res)
}

// GetEndpoint loads one endpoint.
func (q *Q) GetEndpoint(ctx context.Context, id string) (*EndpointRow, error) {
	return scanEndpoint(q.queryRow(ctx, "SELECT "+endpointColumns+" FROM webhook_endpoints WHERE id=?", id))
}

// DeleteEndpoint removes an endpoint and its deliveries.
func (q *Q) DeleteEndpoint(ctx context.Context, id string) error {
	q.enabledEndpoints = nil
	res, err := q.exec(ctx, "DELETE FROM webhook_endpoints WHERE id=?", id)
	if err != nil {
		return err
	}
	return expectOne(res)
}

// ListEndpoints lists endpoints, oldest first (enabledOnly for fan-out).
func (q *Q) ListEndpoints(ctx context.Context, enabledOnly bool) ([]*EndpointRow, error) {
	query := "SELECT " + endpointColumns + " FROM webhook_endpoints"
	args := []any{}
	if enabledOnly {
		query += " WHERE disabled=?"
		args = append(args, false)
	}
	rows, err := q.query(ctx, query+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*EndpointRow{}
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EnabledEndpoints is ListEndpoints(ctx, true) for the outbox. Inside a
// write transaction the list is read once and reused by the transaction's
// later events (each one used to read it again); an endpoint written
// through the same transaction forgets it. Outside a transaction it always
// reads. The list is never kept past the transaction, so an endpoint added
// on another node is seen by the next transaction.
func (q *Q) EnabledEndpoints(ctx context.Context) ([]*EndpointRow, error) {
	if q.enabledEndpoints != nil {
		return q.enabledEndpoints, nil
	}
	list, err := q.ListEndpoints(ctx, true)
	if err != nil {
		return nil, err
	}
	if _, inTx := q.db.(*sql.Tx); inTx {
		q.enabledEndpoints = list
	}
	return list, nil
}

// MessageRow is one outbox event.
type MessageRow struct {
	ID        string
	EventType string
	Payload   []byte
	CreatedAt int64
}

// InsertMessage adds an event to the outbox.
func (q *Q) InsertMessage(ctx context.Context, m *MessageRow) error {
	_, err := q.exec(ctx, "INSERT INTO webhook_messages (id, event_type, payload, created_at) VALUES (?,?,?,?)",
		m.ID, m.EventType, string(m.Payload), m.CreatedAt)
	return err
}

// GetMessage loads one message.
func (q *Q) GetMessage(ctx context.Context, id string) (*MessageRow, error) {
	var m MessageRow
	var payload string
	err := q.queryRow(ctx, "SELECT id, event_type, payload, created_at FROM webhook_messages WHERE id=?", id).
		Scan(&m.ID, &m.EventType, &payload, &m.CreatedAt)
	if err != nil {
		return nil, mapErr(err)
	}
	m.Payload = []byte(payload)
	return &m, nil
}

// MessagesSince lists messages created at or after since, oldest first.
func (q *Q) MessagesSince(ctx context.Context, since int64, limit int) ([]*MessageRow, error) {
	rows, err := q.query(ctx, "SELECT id, event_type, payload, created_at FROM webhook_messages WHERE created_at >= ? ORDER BY created_at, id LIMIT ?", since, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*MessageRow
	for rows.Next() {
		var m MessageRow
		var payload string
		if err := rows.Scan(&m.ID, &m.EventType, &payload, &m.CreatedAt); err != nil {
			return nil, err
		}
		m.Payload = []byte(payload)
		out = append(out, &m)
	}
	return out, rows.Err()
}

// InsertDelivery queues a message for one endpoint.
func (q *Q) InsertDelivery(ctx context.Context, id, messageID, endpointID string, now int64) error {
	_, err := q.exec(ctx, `INSERT INTO webhook_deliveries (id, message_id, endpoint_id, status, attempts, next_attempt_at, created_at, updated_at)
		VALUES (?,?,?,'pending',0,?,?,?)`, id, messageID, endpointID, now, now, now)
	return err
}

// Claimed is a due delivery with what sending it needs.
type Claimed struct {
	DeliveryID   string
	MessageID    string
	EndpointID   string
	Attempts     int
	URL          string
	SecretSealed []byte
	Payload      []byte
}

// ClaimDeliveries leases up to limit due deliveries until leaseUntil: on
// PostgreSQL with FOR UPDATE SKIP LOCKED, so nodes never claim the same row.
func (q *Q) ClaimDeliveries(ctx context.Context, now, leaseUntil int64, limit int) ([]Claimed, error) {
	// Deliveries of disabled endpoints wait (enabling the endpoint resumes them).
	sub := `SELECT id FROM webhook_deliveries WHERE status='pending' AND next_attempt_at <= ?
		AND endpoint_id IN (SELECT id FROM webhook_endpoints WHERE disabled=?) ORDER BY next_attempt_at, id LIMIT ?`
	if q.engine == Postgres {
		sub += " FOR UPDATE SKIP LOCKED"
	}
	rows, err := q.query(ctx, "UPDATE webhook_deliveries SET next_attempt_at=?, updated_at=? WHERE id IN ("+sub+") RETURNING id",
		leaseUntil, now, now, false, limit)
	if err != nil {
		return nil, err
	}
	var ids []any
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return nil, err
	}
	rows, err = q.query(ctx, `SELECT d.id, d.message_id, d.endpoint_id, d.attempts, e.url, e.secret_sealed, m.payload
		FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id JOIN webhook_messages m ON m.id = d.message_id
		WHERE d.id IN (`+inList(len(ids))+`) ORDER BY m.created_at, m.id`, ids...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Claimed
	for rows.Next() {
		var c Claimed
		var payload string
		if err := rows.Scan(&c.DeliveryID, &c.MessageID, &c.EndpointID, &c.Attempts, &c.URL, &c.SecretSealed, &payload); err != nil {
			return nil, err
		}
		c.Payload = []byte(payload)
		out = append(out, c)
	}
	return out, rows.Err()
}

// FinishAttempt records an attempt and the delivery's new state.
func (q *Q) FinishAttempt(ctx context.Context, deliveryID, attemptID, status string, attempts int, next int64, code, latencyMS int, snippet, errText string, now int64) error {
	if _, err := q.exec(ctx, "UPDATE webhook_deliveries SET status=?, attempts=?, next_attempt_at=?, last_status=?, updated_at=? WHERE id=?",
		status, attempts, next, code, now, deliveryID); err != nil {
		return err
	}
	_, err := q.exec(ctx, `INSERT INTO webhook_attempts (id, delivery_id, status_code, latency_ms, response_snippet, error, created_at)
		VALUES (?,?,?,?,?,?,?)`, attemptID, deliveryID, code, latencyMS, snippet, errText, now)
	return err
}

// DeliveryAttempt is one line of the webhook delivery log.
type DeliveryAttempt struct {
	ID, DeliveryID, MessageID, EndpointID, EventType, Status string
	StatusCode, LatencyMS                                    int
	ResponseSnippet, Error                                   string
	CreatedAt                                                int64
}

// ListAttempts returns the newest attempts, optionally for one endpoint or message.
func (q *Q) ListAttempts(ctx context.Context, endpointID, messageID string, limit int) ([]DeliveryAttempt, error) {
	where, args := " WHERE 1=1", []any{}
	if endpointID != "" {
		where += " AND d.endpoint_id=?"
		args = append(args, endpointID)
	}
	if messageID != "" {
		where += " AND d.message_id=?"
		args = append(args, messageID)
	}
	args = append(args, limit)
	rows, err := q.query(ctx, `SELECT a.id, a.delivery_id, d.message_id, d.endpoint_id, m.event_type, d.status, a.status_code, a.latency_ms,
		a.response_snippet, a.error, a.created_at FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
		JOIN webhook_messages m ON m.id = d.message_id`+where+` ORDER BY a.created_at DESC, a.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []DeliveryAttempt{}
	for rows.Next() {
		var a DeliveryAttempt
		if err := rows.Scan(&a.ID, &a.DeliveryID, &a.MessageID, &a.EndpointID, &a.EventType, &a.Status, &a.StatusCode, &a.LatencyMS,
			&a.ResponseSnippet, &a.Error, &a.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// DeliveryCounts counts deliveries by status (for progress and tests).
func (q *Q) DeliveryCounts(ctx context.Context) (map[string]int, error) {
	rows, err := q.query(ctx, "SELECT status, COUNT(*) FROM webhook_deliveries GROUP BY status")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// Emitter records an event in the outbox inside the caller's transaction.
// Services call it with domain objects; a nil Emitter records nothing.
type Emitter interface {
	Emit(ctx context.Context, q *Q, event gatehouse.Event, data any) error
}

// Emit calls e.Emit when e is not nil.
func Emit(ctx context.Context, e Emitter, q *Q, event gatehouse.Event, data any) error {
	if e == nil {
		return nil
	}
	return e.Emit(ctx, q, event, data)
}
