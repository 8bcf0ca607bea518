package httpx

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// MaxUserAgent bounds the user agent kept for a request.
const MaxUserAgent = 256

// NewCaller computes r's gatehouse.Caller, once per request in Observe: the
// client address under the trusted-proxy rules of ClientIP, and the user
// agent cut to MaxUserAgent bytes and made valid UTF-8 without NUL
// (PostgreSQL text refuses both).
func NewCaller(r *http.Request, trusted []netip.Prefix, requestID string) gatehouse.Caller {
	ci := gatehouse.Caller{Addr: ClientIP(r, trusted), RequestID: requestID}
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

// ClientAddr returns r's client address: the one Observe computed for the
// request, or (for a request that did not pass through Observe) ClientIP
// under trusted.
func ClientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	if ci, ok := gatehouse.CallerFrom(r.Context()); ok {
		return ci.Addr
	}
	return ClientIP(r, trusted)
}
