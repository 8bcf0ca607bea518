package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/keys"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Backoff is the wait before each retry; after the last, a delivery fails.
var Backoff = []time.Duration{0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// DisableAfter is how long an endpoint may fail before it is disabled.
const DisableAfter = 5 * 24 * time.Hour

// Dispatcher sends due deliveries.
type Dispatcher struct {
	dispatcherOptions

	once   sync.Once
	client *http.Client
	wake   chan struct{}
}

// DispatcherOptions configure NewDispatcher.
type DispatcherOptions struct {
	Store        *store.Store
	Sealer       *keys.Sealer
	Clock        gatehouse.Clock
	Log          *slog.Logger
	AllowPrivate bool          // development and tests: allow loopback/private destinations
	Lease        time.Duration // how long a claim is held (default 60 s)
	Batch        int           // deliveries claimed per round (default 64)
	Workers      int           // concurrent sends (default 16)
	Idle         time.Duration // sleep when nothing is due (default 200 ms)
	Timeout      time.Duration // per request (default 15 s)
}

// dispatcherOptions is embedded under an unexported name: fixed at
// NewDispatcher.
type dispatcherOptions = DispatcherOptions

// NewDispatcher returns a Dispatcher; Run starts it.
func NewDispatcher(o DispatcherOptions) *Dispatcher { return &Dispatcher{dispatcherOptions: o} }

func (d *Dispatcher) init() {
	d.once.Do(func() {
		if d.Lease == 0 {
			d.Lease = 60 * time.Second
		}
		if d.Batch == 0 {
			d.Batch = 64
		}
		if d.Workers == 0 {
			d.Workers = 16
		}
		if d.Idle == 0 {
			d.Idle = 200 * time.Millisecond
		}
		if d.Timeout == 0 {
			d.Timeout = 15 * time.Second
		}
		tr := &http.Transport{DialContext: dialContext(d.AllowPrivate), MaxIdleConnsPerHost: d.Workers,
			IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: d.Timeout}
		d.client = &http.Client{Transport: tr, Timeout: d.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		d.wake = make(chan struct{}, 1)
	})
}

// Wake makes the dispatcher look for work now (after an event is committed).
func (d *Dispatcher) Wake() {
	d.init()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run dispatches until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	d.init()
	for ctx.Err() == nil {
		n, err := d.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.Log.Warn("webhook dispatch failed", "error", err.Error())
		}
		if n > 0 {
			continue
		}
		select {
		case <-ctx.Done():
		case <-d.wake:
		case <-time.After(d.Idle):
		}
	}
}

// RunOnce claims one batch, sends it and records the outcomes in one
// transaction; it returns how many deliveries it handled.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	d.init()
	now := d.Clock.Now()
	var claimed []store.Claimed
	err := d.Store.Tx(ctx, func(q *store.Q) error {
		var err error
		claimed, err = q.ClaimDeliveries(ctx, now.UnixMilli(), now.Add(d.Lease).UnixMilli(), d.Batch)
		return err
	})
	if err != nil || len(claimed) == 0 {
		return 0, err
	}
	results := make([]outcome, len(claimed))
	sem := make(chan struct{}, d.Workers)
	var wg sync.WaitGroup
	for i, c := range claimed {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = d.deliver(ctx, c)
		}()
	}
	wg.Wait()
	if err := d.record(context.WithoutCancel(ctx), results); err != nil {
		// The sends happened; their claims expire after the lease and the
		// deliveries are sent again (at least once, same svix-id).
		return len(claimed), fmt.Errorf("record %d webhook attempts: %w", len(results), err)
	}
	return len(claimed), nil
}

// outcome is one attempt's result.
type outcome struct {
	c       store.Claimed
	code    int
	snippet string
	errText string
	latency int
	ok      bool
}

func (d *Dispatcher) deliver(ctx context.Context, c store.Claimed) outcome {
	started := time.Now()
	code, snippet, err := d.send(ctx, c, d.Clock.Now())
	o := outcome{c: c, code: code, snippet: snippet, latency: int(time.Since(started).Milliseconds())}
	if err != nil {
		o.errText = truncate(err.Error(), 500)
	}
	o.ok = err == nil && code >= 200 && code <= 299
	return o
}

// record writes every attempt and the deliveries' new states, and tracks
// failing endpoints.
func (d *Dispatcher) record(ctx context.Context, results []outcome) error {
	now := d.Clock.Now()
	return d.Store.Tx(ctx, func(q *store.Q) error {
		healthy := map[string]bool{} // endpoint -> any success in this batch
		for _, o := range results {
			attempts := o.c.Attempts + 1
			status, next := "delivered", now.UnixMilli()
			if !o.ok {
				if attempts >= len(Backoff) {
					status = "failed"
				} else {
					status, next = "pending", now.Add(Backoff[attempts]).UnixMilli()
				}
			}
			if err := q.FinishAttempt(ctx, o.c.DeliveryID, gatehouse.NewID("wha_"), status, attempts, next, o.code, o.latency,
				o.snippet, o.errText, now.UnixMilli()); err != nil {
				return err
			}
			healthy[o.c.EndpointID] = healthy[o.c.EndpointID] || o.ok
		}
		for id, ok := range healthy {
			if err := d.trackEndpoint(ctx, q, id, ok, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// trackEndpoint maintains failing_since and disables endpoints failing for
// DisableAfter.
func (d *Dispatcher) trackEndpoint(ctx context.Context, q *store.Q, id string, ok bool, now time.Time) error {
	e, err := q.GetEndpoint(ctx, id)
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case ok && e.FailingSince != nil:
		e.FailingSince = nil
	case !ok && e.FailingSince == nil:
		t := now.UnixMilli()
		e.FailingSince = &t
	case !ok && !e.Disabled && now.Sub(time.UnixMilli(*e.FailingSince)) > DisableAfter:
		e.Disabled = true
		d.Log.Warn("webhook endpoint disabled after failing for days", "endpoint", id, "url", e.URL)
	default:
		return nil
	}
	e.UpdatedAt = now.UnixMilli()
	return q.UpdateEndpoint(ctx, e)
}

func (d *Dispatcher) send(ctx context.Context, c store.Claimed, now time.Time) (int, string, error) {
	secret, err := d.Sealer.Open(c.SecretSealed, sealAD(c.EndpointID))
	if err != nil {
		return 0, "", fmt.Errorf("unseal endpoint secret: %w", err)
	}
	sig, err := Sign(string(secret), c.MessageID, now, c.Payload)
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(c.Payload))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Gatehouse-Webhooks/1")
	req.Header.Set("svix-id", c.MessageID)
	req.Header.Set("svix-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("svix-signature", sig)
	res, err := d.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, truncate(string(b), 256), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
