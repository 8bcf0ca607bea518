package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Memory is a Limiter for one node. It holds at most MaxKeys counters:
// expired ones are swept when it is full, and if that is not enough an
// arbitrary eighth is dropped (memory stays bounded under a flood of
// distinct keys; a dropped key only starts counting afresh).
type Memory struct {
	Now     func() time.Time // nil: time.Now
	MaxKeys int              // 0: 100,000

	mu sync.Mutex
	m  map[string]*bucket
}

type bucket struct {
	idx       int64 // current fixed window number
	window    time.Duration
	cur, prev int64
}

// NewMemory returns an empty in-memory limiter.
func NewMemory() *Memory { return &Memory{} }

// Allow implements Limiter.
func (l *Memory) Allow(_ context.Context, rule Rule, key string) (Decision, error) {
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	t := now().UnixNano()
	w := int64(rule.Window)
	idx, elapsed := t/w, time.Duration(t%w)
	k := rule.Name + "\x00" + key
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]*bucket{}
	}
	b, ok := l.m[k]
	if !ok {
		l.makeRoom(t)
		b = &bucket{idx: idx, window: rule.Window}
		l.m[k] = b
	}
	switch {
	case b.idx == idx:
	case b.idx == idx-1:
		b.prev, b.cur, b.idx = b.cur, 0, idx
	default:
		b.prev, b.cur, b.idx = 0, 0, idx
	}
	if weighted(b.prev, b.cur, elapsed, rule.Window) >= int64(rule.Limit) {
		return Decision{RetryAfter: retryAfter(b.prev, b.cur, rule.Limit, elapsed, rule.Window)}, nil
	}
	b.cur++
	return Decision{Allowed: true}, nil
}

func (l *Memory) makeRoom(now int64) {
	max := l.MaxKeys
	if max <= 0 {
		max = 100_000
	}
	if len(l.m) < max {
		return
	}
	for k, b := range l.m {
		if now/int64(b.window) > b.idx+1 { // both windows over: nothing to remember
			delete(l.m, k)
		}
	}
	drop := len(l.m) - max + max/8
	for k := range l.m {
		if drop <= 0 {
			break
		}
		delete(l.m, k)
		drop--
	}
}

// Len reports how many keys are held (for tests and metrics).
func (l *Memory) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}
