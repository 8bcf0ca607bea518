package gatehouse

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhook verification errors.
var (
	ErrWebhookSignature = errors.New("webhook signature invalid")
	ErrWebhookTimestamp = errors.New("webhook timestamp outside tolerance")
)

// WebhookVerifier checks Svix-style signatures (svix-id, svix-timestamp,
// svix-signature) as Gatehouse and Clerk send them.
type WebhookVerifier struct {
	key       []byte
	Tolerance time.Duration // default 5 minutes
	Now       func() time.Time
}

// NewWebhookVerifier takes the endpoint's whsec_ secret.
func NewWebhookVerifier(secret string) (*WebhookVerifier, error) {
	s := strings.TrimPrefix(secret, "whsec_")
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(key) < 16 {
		return nil, errors.New("gatehouse: webhook secret must be whsec_ followed by base64 of at least 16 bytes")
	}
	return &WebhookVerifier{key: key, Tolerance: 5 * time.Minute, Now: time.Now}, nil
}

// Verify checks a delivery given its id, timestamp, signature header and
// raw body.
func (wv *WebhookVerifier) Verify(id, timestamp, signatures string, body []byte) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || id == "" {
		return ErrWebhookSignature
	}
	now := wv.Now()
	if d := now.Sub(time.Unix(ts, 0)); d > wv.Tolerance || d < -wv.Tolerance {
		return ErrWebhookTimestamp
	}
	mac := hmac.New(sha256.New, wv.key)
	fmt.Fprintf(mac, "%s.%s.", id, timestamp)
	mac.Write(body)
	want := mac.Sum(nil)
	for _, part := range strings.Fields(signatures) {
		version, sig, ok := strings.Cut(part, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrWebhookSignature
}

// VerifyRequest reads (at most 1 MiB of) r's body, verifies it and returns it.
func (wv *WebhookVerifier) VerifyRequest(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if err := wv.Verify(r.Header.Get("svix-id"), r.Header.Get("svix-timestamp"), r.Header.Get("svix-signature"), body); err != nil {
		return nil, err
	}
	return body, nil
}
