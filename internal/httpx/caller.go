package httpx

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
)

// ClientInfo is what one request says about its caller, computed once per
// request by Observe (trusted proxies honoured) and read by everything that
// records or keys on the caller: audit events, webhook event attributes,
// rate limits. One value, so they can never disagree.
type ClientInfo struct {
	Addr      netip.Addr // the client's address (zero when unknown)
	IP        string     // Addr as text ("" when unknown)
	UserAgent string     // at most MaxUserAgent bytes of valid UTF-8
	RequestID string
}

// MaxUserAgent bounds the user agent kept for a request.
const MaxUserAgent = 256

// NewClientInfo computes r's ClientInfo: the client address under the
// trusted-proxy rules of ClientIP, and the user agent cut to MaxUserAgent
// bytes and made valid UTF-8 without NUL (PostgreSQL text refuses both).
func NewClientInfo(r *http.Request, trusted []netip.Prefix, requestID string) ClientInfo {
	ci := ClientInfo{Addr: ClientIP(r, trusted), RequestID: requestID}
	if ci.Addr.IsValid() {
		ci.IP = ci.Addr.String()
	}
	ua := r.UserAgent()
	if len(ua) > MaxUserAgent {
		ua = ua[:MaxUserAgent]
	}
	ci.UserAgent = strings.ReplaceAll(strings.ToValidUTF8(ua, ""), "\x00", "")
	return ci
}

// Client returns the ClientInfo of the request in ctx (zero outside one).
func Client(ctx context.Context) ClientInfo {
	ci, _ := ctx.Value(keyClient).(ClientInfo)
	return ci
}

// WithClient returns ctx carrying ci, as Observe stores it (for callers
// outside an HTTP request, and tests).
func WithClient(ctx context.Context, ci ClientInfo) context.Context {
	return context.WithValue(ctx, keyClient, ci)
}

// ClientAddr returns r's client address: the one Observe computed for the
// request, or (for a request that did not pass through Observe) ClientIP
// under trusted.
func ClientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	if ci, ok := r.Context().Value(keyClient).(ClientInfo); ok {
		return ci.Addr
	}
	return ClientIP(r, trusted)
}
