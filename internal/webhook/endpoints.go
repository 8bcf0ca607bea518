package webhook

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/keys"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Service manages endpoints and replays.
type Service struct {
	serviceOptions
}

// Options configure New.
type Options struct {
	Store        *store.Store
	Sealer       *keys.Sealer
	Clock        gatehouse.Clock
	AllowPrivate bool        // endpoints may be loopback/private addresses
	Dispatcher   *Dispatcher // woken when a replay queues deliveries
}

// serviceOptions is embedded under an unexported name: fixed at New.
type serviceOptions = Options

// New returns the endpoint service.
func New(o Options) *Service { return &Service{serviceOptions: o} }

// Endpoint is an endpoint with its secret opened (for the API).
type Endpoint struct {
	store.EndpointRow
	Secret string
}

// EndpointParams create or change an endpoint; nil fields are unchanged.
type EndpointParams struct {
	URL         *string
	Description *string
	EventTypes  *[]string
	Disabled    *bool
}

func sealAD(id string) []byte { return []byte("gatehouse-webhook-secret:" + id) }

// ValidateURL checks an endpoint URL: absolute http(s), no credentials, a
// host that is a DNS name or an address, and (unless private destinations
// are allowed) no host that denotes a forbidden address however it is
// spelled (hostAddr reads it the way resolvers do). Host names are checked
// again at send time, after DNS resolution, by the same classifier.
func (s *Service) ValidateURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(raw) > 2048 {
		return gatehouse.ParamInvalid("url", "url must be an absolute http(s) URL without credentials.")
	}
	addr, local, err := hostAddr(u.Hostname())
	if err != nil {
		return gatehouse.ParamInvalid("url", "url's host must be an ASCII DNS name (xn-- form for international names) or an IP address.")
	}
	if !s.AllowPrivate && (local || (addr.IsValid() && Forbidden(addr))) {
		return gatehouse.ParamInvalid("url", "url points to a private, loopback, link-local or reserved address; start the server with --webhook-allow-private to allow it (development only).")
	}
	return nil
}

// validate checks every field p sets.
func (s *Service) validate(p EndpointParams) error {
	if p.URL != nil {
		if err := s.ValidateURL(*p.URL); err != nil {
			return err
		}
	}
	if p.Description != nil && len(*p.Description) > 1000 {
		return gatehouse.ParamInvalid("description", "description must be at most 1000 bytes.")
	}
	if p.EventTypes != nil {
		if len(*p.EventTypes) > len(gatehouse.Events()) {
			return gatehouse.ParamInvalid("event_types", "event_types lists more types than exist.")
		}
		return validTypes(*p.EventTypes)
	}
	return nil
}

func validTypes(types []string) error {
	known := eventNames()
	for _, t := range types {
		if !slices.Contains(known, t) {
			return gatehouse.ParamInvalid("event_types", "unknown event type '"+t+"'; known: "+strings.Join(known, ", "))
		}
	}
	return nil
}

// eventNames lists gatehouse.Events() as strings.
func eventNames() []string {
	var out []string
	for _, ev := range gatehouse.Events() {
		out = append(out, string(ev))
	}
	return out
}

// Create adds an endpoint with a fresh secret.
func (s *Service) Create(ctx context.Context, p EndpointParams) (*Endpoint, error) {
	if p.URL == nil {
		return nil, gatehouse.ParamMissing("url")
	}
	if err := s.validate(p); err != nil {
		return nil, err
	}
	e := &store.EndpointRow{ID: gatehouse.NewID(gatehouse.PrefixEndpoint), URL: *p.URL}
	if p.Description != nil {
		e.Description = *p.Description
	}
	if p.EventTypes != nil {
		e.EventTypes = *p.EventTypes
	}
	if p.Disabled != nil {
		e.Disabled = *p.Disabled
	}
	secret, err := NewSecret()
	if err != nil {
		return nil, err
	}
	if e.SecretSealed, err = s.Sealer.Seal([]byte(secret), sealAD(e.ID)); err != nil {
		return nil, err
	}
	e.CreatedAt = s.Clock.Now().UnixMilli()
	e.UpdatedAt = e.CreatedAt
	if err := s.Store.Tx(ctx, func(q *store.Q) error { return q.InsertEndpoint(ctx, e) }); err != nil {
		return nil, err
	}
	return &Endpoint{EndpointRow: *e, Secret: secret}, nil
}

func (s *Service) open(e *store.EndpointRow) (*Endpoint, error) {
	secret, err := s.Sealer.Open(e.SecretSealed, sealAD(e.ID))
	if err != nil {
		return nil, err
	}
	return &Endpoint{EndpointRow: *e, Secret: string(secret)}, nil
}

// Get returns one endpoint.
func (s *Service) Get(ctx context.Context, id string) (*Endpoint, error) {
	e, err := s.Store.Q().GetEndpoint(ctx, id)
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil, gatehouse.NotFound("Webhook endpoint")
	}
	if err != nil {
		return nil, err
	}
	return s.open(e)
}

// List returns every endpoint.
func (s *Service) List(ctx context.Context) ([]*Endpoint, error) {
	rows, err := s.Store.Q().ListEndpoints(ctx, false)
	if err != nil {
		return nil, err
	}
	out := make([]*Endpoint, 0, len(rows))
	for _, r := range rows {
		e, err := s.open(r)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Update changes an endpoint; rotate replaces its secret.
func (s *Service) Update(ctx context.Context, id string, p EndpointParams, rotate bool) (*Endpoint, error) {
	if err := s.validate(p); err != nil {
		return nil, err
	}
	var out *store.EndpointRow
	err := s.Store.Tx(ctx, func(q *store.Q) error {
		e, err := q.GetEndpoint(ctx, id)
		if err != nil {
			return err
		}
		if p.URL != nil {
			e.URL = *p.URL
		}
		if p.Description != nil {
			e.Description = *p.Description
		}
		if p.EventTypes != nil {
			e.EventTypes = *p.EventTypes
		}
		if p.Disabled != nil {
			e.Disabled = *p.Disabled
			if !e.Disabled {
				e.FailingSince = nil
			}
		}
		if rotate {
			secret, err := NewSecret()
			if err != nil {
				return err
			}
			if e.SecretSealed, err = s.Sealer.Seal([]byte(secret), sealAD(e.ID)); err != nil {
				return err
			}
		}
		e.UpdatedAt = s.Clock.Now().UnixMilli()
		out = e
		return q.UpdateEndpoint(ctx, e)
	})
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil, gatehouse.NotFound("Webhook endpoint")
	}
	if err != nil {
		return nil, err
	}
	return s.open(out)
}

// Delete removes an endpoint and its pending deliveries.
func (s *Service) Delete(ctx context.Context, id string) error {
	err := s.Store.Tx(ctx, func(q *store.Q) error { return q.DeleteEndpoint(ctx, id) })
	if errors.Is(err, gatehouse.ErrNotFound) {
		return gatehouse.NotFound("Webhook endpoint")
	}
	return err
}

// ReplayMessage queues one message again for every enabled endpoint that
// wants it (or only endpointID when set). The svix-id stays the message id.
func (s *Service) ReplayMessage(ctx context.Context, messageID, endpointID string) (int, error) {
	n := 0
	err := s.Store.Tx(ctx, func(q *store.Q) error {
		m, err := q.GetMessage(ctx, messageID)
		if errors.Is(err, gatehouse.ErrNotFound) {
			return gatehouse.NotFound("Webhook message")
		}
		if err != nil {
			return err
		}
		n, err = s.queue(ctx, q, []*store.MessageRow{m}, endpointID)
		return err
	})
	s.wake()
	return n, err
}

// ReplaySince queues every message since a time (Unix ms) for one endpoint.
func (s *Service) ReplaySince(ctx context.Context, endpointID string, since int64) (int, error) {
	n := 0
	err := s.Store.Tx(ctx, func(q *store.Q) error {
		if _, err := q.GetEndpoint(ctx, endpointID); errors.Is(err, gatehouse.ErrNotFound) {
			return gatehouse.NotFound("Webhook endpoint")
		} else if err != nil {
			return err
		}
		msgs, err := q.MessagesSince(ctx, since, 100_000)
		if err != nil {
			return err
		}
		n, err = s.queue(ctx, q, msgs, endpointID)
		return err
	})
	s.wake()
	return n, err
}

func (s *Service) queue(ctx context.Context, q *store.Q, msgs []*store.MessageRow, endpointID string) (int, error) {
	eps, err := q.ListEndpoints(ctx, true)
	if err != nil {
		return 0, err
	}
	now := s.Clock.Now().UnixMilli()
	n := 0
	for _, m := range msgs {
		for _, e := range eps {
			if (endpointID != "" && e.ID != endpointID) || !e.Wants(m.EventType) {
				continue
			}
			if err := q.InsertDelivery(ctx, gatehouse.NewID("whd_"), m.ID, e.ID, now); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

func (s *Service) wake() {
	if s.Dispatcher != nil {
		s.Dispatcher.Wake()
	}
}

// Attempts returns the delivery log.
func (s *Service) Attempts(ctx context.Context, endpointID, messageID string, limit int) ([]store.DeliveryAttempt, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return s.Store.Q().ListAttempts(ctx, endpointID, messageID, limit)
}
