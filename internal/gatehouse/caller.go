package gatehouse

import (
	"context"
	"net/netip"
)

// Caller is what one request says about who made it: the client address
// (trusted proxies honoured), the user agent and the request id. The HTTP
// layer computes it once per request and puts it in the context; audit
// events, webhook event attributes and rate limits all read that one value,
// so they can never disagree.
type Caller struct {
	Addr      netip.Addr // the client's address (zero when unknown)
	IP        string     // Addr as text ("" when unknown)
	UserAgent string
	RequestID string
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the Caller in ctx; false outside a request.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// RateKey is the rate-limit key for a client address: the address itself
// for IPv4, its /64 for IPv6 (one subscriber usually holds a whole /64).
func RateKey(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// RateKey is the rate-limit key of the caller's address; false when the
// address is unknown.
func (c Caller) RateKey() (string, bool) {
	if !c.Addr.IsValid() {
		return "", false
	}
	return RateKey(c.Addr), true
}
