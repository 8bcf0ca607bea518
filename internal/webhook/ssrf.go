package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned when an endpoint resolves to an address
// the SSRF guard refuses.
var ErrForbiddenAddress = errors.New("webhook: destination address not allowed")

// forbiddenPrefixes are the destinations the guard refuses: everything that
// is not ordinary global unicast, and every IPv6 form that embeds an IPv4
// address a relay or translator could turn into a private one. One list,
// used at save time (literal addresses in an endpoint URL) and at connect
// time (every address actually dialled, after DNS).
var forbiddenPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network"; 0.0.0.0 reaches the local host
		"10.0.0.0/8",      // private
		"100.64.0.0/10",   // carrier-grade NAT (also Alibaba's metadata 100.100.100.200)
		"127.0.0.0/8",     // loopback
		"169.254.0.0/16",  // link-local (cloud metadata 169.254.169.254)
		"172.16.0.0/12",   // private
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation
		"192.88.99.0/24",  // 6to4 relay anycast
		"192.168.0.0/16",  // private
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"224.0.0.0/4",     // multicast
		"240.0.0.0/4",     // reserved, and 255.255.255.255 broadcast
		"::/96",           // unspecified, loopback, IPv4-compatible (::a.b.c.d)
		"::ffff:0:0/96",   // IPv4-mapped (checked unmapped too)
		"64:ff9b::/96",    // NAT64 well-known prefix
		"64:ff9b:1::/48",  // NAT64 local use
		"100::/64",        // discard
		"2001::/23",       // IETF protocol assignments (Teredo 2001::/32 embeds IPv4)
		"2001:db8::/32",   // documentation
		"2002::/16",       // 6to4 (embeds IPv4)
		"fc00::/7",        // unique local (AWS metadata fd00:ec2::254)
		"fe80::/10",       // link-local
		"fec0::/10",       // site-local (deprecated)
		"ff00::/8",        // multicast
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Forbidden reports whether the guard refuses ip: the one classifier for
// both the save-time URL check and the connect-time dial guard.
func Forbidden(ip netip.Addr) bool {
	if !ip.IsValid() {
		return true
	}
	ip = ip.WithZone("") // a zoned address matches no prefix otherwise
	for _, a := range []netip.Addr{ip, ip.Unmap()} {
		for _, p := range forbiddenPrefixes {
			if p.Contains(a) {
				return true
			}
		}
	}
	return false
}

// localNames are host names every resolver answers with a loopback address
// (RFC 6761 and the usual /etc/hosts entries).
var localNames = []string{"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}

// errBadHost is a host that is neither a DNS name nor an address.
var errBadHost = errors.New("webhook: malformed host")

// hostAddr reads host (as url.Hostname returns it) the way resolvers do:
// case-insensitive, trailing dots dropped, and IPv4 in every form
// inet_aton and browsers accept (127.1, 0x7f000001, 017700000001, 0x7f.1).
// It returns the address the host denotes when it is a literal, and
// whether it is a name that always means this machine. Non-ASCII names
// are refused: IDNA mapping (fullwidth letters and the like) could turn
// them into one of those names; use the xn-- form.
func hostAddr(host string) (addr netip.Addr, local bool, err error) {
	if a, err := netip.ParseAddr(host); err == nil { // IPv6 (with zone) or dotted-quad IPv4
		return a, false, nil
	}
	h := strings.ToLower(strings.TrimRight(host, "."))
	if h == "" {
		return netip.Addr{}, false, errBadHost
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; c >= 0x80 || c <= ' ' || c == '%' {
			return netip.Addr{}, false, errBadHost
		}
	}
	labels := strings.Split(h, ".")
	if last := labels[len(labels)-1]; numericLabel(last) { // a name ending in a number is an IPv4 address, or nothing
		a, ok := parseIPv4Loose(labels)
		if !ok {
			return netip.Addr{}, false, errBadHost
		}
		return a, false, nil
	}
	for _, n := range localNames {
		if h == n || strings.HasSuffix(h, "."+n) {
			return netip.Addr{}, true, nil
		}
	}
	return netip.Addr{}, false, nil
}

// numericLabel reports whether s is decimal digits or 0x and hex digits
// (WHATWG's "ends in a number").
func numericLabel(s string) bool {
	if s == "" {
		return false
	}
	if len(s) >= 2 && s[0] == '0' && s[1] == 'x' {
		_, err := strconv.ParseUint("0"+s[2:], 16, 64)
		return err == nil || errors.Is(err, strconv.ErrRange)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseIPv4Loose parses one to four parts, each decimal, 0x-hex or
// 0-octal; the last part fills the remaining bytes (inet_aton).
func parseIPv4Loose(parts []string) (netip.Addr, bool) {
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var v uint64
	for i, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x"):
			base, p = 16, p[2:]
			if p == "" {
				p = "0"
			}
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		n, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		if i < len(parts)-1 {
			if n > 255 {
				return netip.Addr{}, false
			}
			v |= n << (8 * (3 - i))
			continue
		}
		if n >= 1<<(8*(4-i)) {
			return netip.Addr{}, false
		}
		v |= n
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// dialer returns a dialer whose Control hook checks the actual address being
// connected to, after DNS resolution, so DNS rebinding cannot sneak past.
func dialer(allowPrivate bool) *net.Dialer {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if allowPrivate {
		return d
	}
	d.Control = guardControl
	return d
}

// guardControl refuses a connection to a forbidden address before it is
// made.
func guardControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	if Forbidden(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ap.Addr())
	}
	return nil
}

// dialContext adapts the dialer for http.Transport.
func dialContext(allowPrivate bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := dialer(allowPrivate)
	return d.DialContext
}
