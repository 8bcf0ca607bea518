package server

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// perIPListener caps the concurrent connections of one client at the
// listener, before any HTTP is read: one address cannot hold every socket
// with idle keep-alives or half-sent requests. The client is the TCP peer
// (never X-Forwarded-For, which the peer writes itself); IPv6 peers count
// per /64, as the rate limits do. Peers that are trusted proxies are not
// capped (their connections carry many clients). A connection over the cap
// is closed at once, without a response.
type perIPListener struct {
	net.Listener
	max     int
	exempt  []netip.Prefix
	mu      sync.Mutex
	open    map[netip.Addr]int
	lastLog atomic.Int64 // unix nanoseconds of the last refusal logged
	refused func(client netip.Addr)
}

func limitPerIP(ln net.Listener, max int, exempt []netip.Prefix, refused func(netip.Addr)) net.Listener {
	if max <= 0 {
		return ln
	}
	return &perIPListener{Listener: ln, max: max, exempt: exempt, open: map[netip.Addr]int{}, refused: refused}
}

func (l *perIPListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key, ok := l.client(c.RemoteAddr())
		if !ok {
			return c, nil
		}
		l.mu.Lock()
		if l.open[key] >= l.max {
			l.mu.Unlock()
			// Log before closing: whoever sees the connection closed can
			// rely on the refusal being in the log already.
			if now := time.Now().UnixNano(); l.refused != nil && now-l.lastLog.Load() > int64(10*time.Second) {
				l.lastLog.Store(now)
				l.refused(key)
			}
			c.Close()
			continue
		}
		l.open[key]++
		l.mu.Unlock()
		return &countedConn{Conn: c, release: func() { l.release(key) }}, nil
	}
}

func (l *perIPListener) release(key netip.Addr) {
	l.mu.Lock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
	l.mu.Unlock()
}

// client is the counting key of a peer address; ok is false for peers that
// are not capped (trusted proxies, non-IP addresses).
func (l *perIPListener) client(a net.Addr) (netip.Addr, bool) {
	ta, isTCP := a.(*net.TCPAddr)
	if !isTCP {
		return netip.Addr{}, false
	}
	ip := ta.AddrPort().Addr().Unmap()
	for _, p := range l.exempt {
		if p.Contains(ip) {
			return netip.Addr{}, false
		}
	}
	if ip.Is6() {
		ip = netip.PrefixFrom(ip, 64).Masked().Addr()
	}
	return ip, true
}

// countedConn gives its slot back exactly once, however often it is closed.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
