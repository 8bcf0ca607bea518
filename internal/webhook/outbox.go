// Package webhook delivers Gatehouse's events to subscribers: a durable
// outbox written in the same transaction as each change, Svix-compatible
// signatures, a dispatcher that claims due deliveries (FOR UPDATE SKIP
// LOCKED on PostgreSQL), retries with backoff, a delivery log, replay and
// an SSRF guard.
package webhook

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/wire"
)

// Email is the data of an email.created event.
type Email struct {
	Object           string         `json:"object"`
	ID               string         `json:"id"`
	Slug             string         `json:"slug"`
	FromEmailName    string         `json:"from_email_name"`
	ReplyToEmailName *string        `json:"reply_to_email_name"`
	ToEmailAddress   string         `json:"to_email_address"`
	EmailAddressID   *string        `json:"email_address_id"`
	UserID           *string        `json:"user_id"`
	Subject          string         `json:"subject"`
	Body             string         `json:"body"`
	BodyPlain        string         `json:"body_plain"`
	Status           string         `json:"status"`
	DeliveredByGH    bool           `json:"delivered_by_clerk"`
	Data             map[string]any `json:"data"`
}

// Envelope is Clerk's webhook event.
type Envelope struct {
	Data            any             `json:"data"`
	Object          string          `json:"object"`
	Type            string          `json:"type"`
	Timestamp       int64           `json:"timestamp"`
	InstanceID      string          `json:"instance_id"`
	EventAttributes eventAttributes `json:"event_attributes"`
}

type eventAttributes struct {
	HTTPRequest httpRequest `json:"http_request"`
}

type httpRequest struct {
	ClientIP  string `json:"client_ip"`
	UserAgent string `json:"user_agent"`
}

// Outbox implements store.Emitter.
type Outbox struct {
	outboxOptions
}

// OutboxOptions configure NewOutbox.
type OutboxOptions struct {
	InstanceID func() string
	Clock      gatehouse.Clock
	Notify     func() // called after the transaction commits (wakes the dispatcher)

	PublicURL string // the instance's public URL (absolute image_url in user payloads)
}

// outboxOptions is embedded under an unexported name: fixed at NewOutbox.
type outboxOptions = OutboxOptions

// NewOutbox returns an Outbox.
func NewOutbox(o OutboxOptions) *Outbox { return &Outbox{outboxOptions: o} }

var _ store.Emitter = (*Outbox)(nil)

// render turns domain objects into their wire shapes.
func render(event gatehouse.Event, data any, now int64, publicURL string) (any, error) {
	switch d := data.(type) {
	case *gatehouse.User:
		if event == gatehouse.EventUserDeleted {
			out := map[string]any{"object": "user", "id": d.ID, "deleted": true}
			if d.ExternalID != nil {
				out["external_id"] = *d.ExternalID
			}
			return out, nil
		}
		return wire.NewUser(d, wire.UserOptions{Private: true, Now: gatehouseTime(now), PublicURL: publicURL}), nil
	case *gatehouse.Session:
		return wire.NewSession(d, now), nil
	case Email:
		return d, nil
	}
	return nil, fmt.Errorf("webhook: cannot render %T for %s", data, event)
}

// Emit writes the event and one delivery per subscribed, enabled endpoint,
// inside the caller's transaction q.
func (o *Outbox) Emit(ctx context.Context, q *store.Q, event gatehouse.Event, data any) error {
	endpoints, err := q.EnabledEndpoints(ctx)
	if err != nil {
		return err
	}
	var targets []*store.EndpointRow
	for _, e := range endpoints {
		if e.Wants(string(event)) {
			targets = append(targets, e)
		}
	}
	if len(targets) == 0 {
		return nil // nobody listens: nothing to store
	}
	now := o.Clock.Now().UnixMilli()
	payload, err := render(event, data, now, o.PublicURL)
	if err != nil {
		return err
	}
	ci, _ := gatehouse.CallerFrom(ctx)
	body, err := json.Marshal(Envelope{Data: payload, Object: "event", Type: string(event), Timestamp: now, InstanceID: o.InstanceID(),
		EventAttributes: eventAttributes{HTTPRequest: httpRequest{ClientIP: ci.IP, UserAgent: ci.UserAgent}}})
	if err != nil {
		return err
	}
	msg := &store.MessageRow{ID: gatehouse.NewID(gatehouse.PrefixMessage), EventType: string(event), Payload: body, CreatedAt: now}
	if err := q.InsertMessage(ctx, msg); err != nil {
		return err
	}
	for _, e := range targets {
		if err := q.InsertDelivery(ctx, gatehouse.NewID("whd_"), msg.ID, e.ID, now); err != nil {
			return err
		}
	}
	if o.Notify != nil {
		q.AfterCommit(o.Notify)
	}
	return nil
}
