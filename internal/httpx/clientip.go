package httpx

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// ClientIP returns the address of the client that sent r: the TCP peer,
// unless the peer is one of the trusted proxies, in which case the
// right-most X-Forwarded-For entry that is not itself a trusted proxy (the
// left-most entries are whatever the client chose to send and prove
// nothing). An unparseable header yields the last trusted hop, never a
// spoofed address.
func ClientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := remoteAddr(r)
	if len(trusted) == 0 || !isTrusted(peer, trusted) {
		return peer
	}
	hops := r.Header.Values("X-Forwarded-For")
	addr := peer
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return addr
			}
			a = a.Unmap()
			if !isTrusted(a, trusted) {
				return a
			}
			addr = a
		}
	}
	return addr
}

func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// RateKeyFrom returns the rate-limit key of the client of the request in
// ctx (the Caller Observe computed), for the limits and the fair
// password-hash queue applied below the HTTP layer; false outside a request.
func RateKeyFrom(ctx context.Context) (string, bool) {
	ci, _ := gatehouse.CallerFrom(ctx)
	return ci.RateKey()
}

// RateKeyOf is RateKeyFrom without the flag ("" outside a request).
func RateKeyOf(ctx context.Context) string {
	k, _ := RateKeyFrom(ctx)
	return k
}
