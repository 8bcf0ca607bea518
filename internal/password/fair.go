package password

import (
	"context"
	"sync"
)

// fairSem is a counting semaphore whose waiters are grouped by caller key
// (the client's address): when a slot frees up it goes to the waiting key
// served least recently, and within a key to its oldest waiter. One client
// queueing many hashes therefore delays every other client by at most one
// hash per slot, instead of putting them behind its whole backlog.
type fairSem struct {
	mu   sync.Mutex
	free int
	seq  uint64 // grant and arrival counter
	keys map[string]*semKey
}

type semKey struct {
	active  int       // slots held
	waiters []*waiter // oldest first
	served  uint64    // seq of the last grant (0: never)
	since   uint64    // seq when the key was first seen (ties between never-served keys)
}

type waiter struct {
	ch      chan struct{} // closed when granted
	granted bool
}

func newFairSem(n int) *fairSem {
	return &fairSem{free: n, keys: map[string]*semKey{}}
}

func (s *fairSem) key(k string) *semKey {
	st := s.keys[k]
	if st == nil {
		s.seq++
		st = &semKey{since: s.seq}
		s.keys[k] = st
	}
	return st
}

// grant gives st a slot (the caller holds mu).
func (s *fairSem) grant(st *semKey) {
	s.seq++
	st.active++
	st.served = s.seq
}

// drop forgets an idle key (the caller holds mu).
func (s *fairSem) drop(k string, st *semKey) {
	if st.active == 0 && len(st.waiters) == 0 {
		delete(s.keys, k)
	}
}

// acquire takes a slot for caller key k, waiting in k's queue while none is
// free. It gives up (holding nothing) when ctx ends first.
func (s *fairSem) acquire(ctx context.Context, k string) error {
	s.mu.Lock()
	st := s.key(k)
	if s.free > 0 {
		s.free--
		s.grant(st)
		s.mu.Unlock()
		return nil
	}
	w := &waiter{ch: make(chan struct{})}
	st.waiters = append(st.waiters, w)
	s.mu.Unlock()
	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	if w.granted { // granted while giving up: pass the slot on
		s.mu.Unlock()
		s.release(k)
		return ctx.Err()
	}
	for i, x := range st.waiters {
		if x == w {
			st.waiters = append(st.waiters[:i], st.waiters[i+1:]...)
			break
		}
	}
	s.drop(k, st)
	s.mu.Unlock()
	return ctx.Err()
}

// release returns caller key k's slot: to the oldest waiter of the waiting
// key served least recently, or to the pool when nobody waits.
func (s *fairSem) release(k string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.keys[k]; st != nil {
		st.active--
		s.drop(k, st)
	}
	var next *semKey
	for _, st := range s.keys {
		if len(st.waiters) == 0 {
			continue
		}
		if next == nil || st.served < next.served || (st.served == next.served && st.since < next.since) {
			next = st
		}
	}
	if next == nil {
		s.free++
		return
	}
	w := next.waiters[0]
	next.waiters[0] = nil
	next.waiters = next.waiters[1:]
	w.granted = true
	s.grant(next)
	close(w.ch)
}

// queued counts waiters (tests).
func (s *fairSem) queued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, st := range s.keys {
		n += len(st.waiters)
	}
	return n
}
