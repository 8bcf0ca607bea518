package main

import (
	"sync"
	"time"
)

// Limiter is a per-key sliding-window rate limiter: at most n events in any
// window (it remembers the timestamps of the last n events per key).
type Limiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	events map[string][]time.Time
}

// NewLimiter allows n events per window per key.
func NewLimiter(n int, window time.Duration) *Limiter {
	return &Limiter{n: n, window: window, events: map[string][]time.Time{}}
}

// Allow records an event for key at now if allowed; otherwise it reports how
// long until the next event would be allowed.
func (l *Limiter) Allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := l.events[key]
	cut := 0
	for cut < len(ev) && now.Sub(ev[cut]) >= l.window {
		cut++
	}
	ev = ev[cut:]
	if len(ev) >= l.n {
		l.events[key] = ev
		return false, l.window - now.Sub(ev[0])
	}
	l.events[key] = append(ev, now)
	return true, 0
}
