package password

import (
	"context"
	"errors"
	"runtime"
	"testing"
)

type callerKey struct{}

func as(key string) context.Context { return context.WithValue(context.Background(), callerKey{}, key) }

func keyed() *Hasher {
	return New(Options{Params: fast, Concurrency: 1,
		Caller: func(ctx context.Context) string { s, _ := ctx.Value(callerKey{}).(string); return s }})
}

// waitQueued waits until n acquisitions are queued (bounded: the goroutines
// that queue them were started just before).
func waitQueued(t *testing.T, s *fairSem, n int) {
	t.Helper()
	for i := 0; s.queued() < n; i++ {
		if i > 1_000_000 {
			t.Fatalf("%d waiters queued, want %d", s.queued(), n)
		}
		runtime.Gosched()
	}
}

// holder acquires a slot as key, reports it on got, and holds it until
// told to let go.
type holder struct {
	key string
	let chan struct{}
}

func start(t *testing.T, h *Hasher, key string, got chan<- *holder) *holder {
	x := &holder{key: key, let: make(chan struct{})}
	go func() {
		release, err := h.acquire(as(key))
		if err != nil {
			t.Error(err)
			return
		}
		got <- x
		<-x.let
		release()
	}()
	return x
}

// One client with a backlog of queued hashes does not make another client
// wait behind all of it: the other client's hash is served next.
func TestFairQueueServesOtherClientNext(t *testing.T) {
	h := keyed()
	got := make(chan *holder, 32)
	first := start(t, h, "flood", got)
	if x := <-got; x != first {
		t.Fatal("first acquisition not served")
	}
	for range 10 {
		start(t, h, "flood", got)
	}
	waitQueued(t, h.sem, 10)
	other := start(t, h, "victim", got)
	waitQueued(t, h.sem, 11)

	close(first.let)
	if x := <-got; x != other {
		t.Fatalf("after the flood's slot came back, %q was served; want the other client", x.key)
	}
	// Then the flood's backlog drains in its own order, one at a time.
	close(other.let)
	for i := range 10 {
		x := <-got
		if x.key != "flood" {
			t.Fatalf("backlog %d: %q", i, x.key)
		}
		close(x.let)
	}
	waitQueued(t, h.sem, 0)
	if _, err := h.Hash(as("victim"), "pw"); err != nil { // the slot is free again
		t.Fatal(err)
	}
}

// Three clients waiting take turns: a, b, c, a, b, c..., each client's own
// requests in arrival order.
func TestFairQueueRoundRobin(t *testing.T) {
	h := keyed()
	got := make(chan *holder, 32)
	first := start(t, h, "z", got)
	<-got
	want := []string{}
	for i, k := range []string{"a", "a", "a", "b", "b", "c"} {
		start(t, h, k, got)
		waitQueued(t, h.sem, i+1)
	}
	want = append(want, "a", "b", "c", "a", "b", "a")
	close(first.let)
	for i, w := range want {
		x := <-got
		if x.key != w {
			t.Fatalf("grant %d went to %q, want %q (order %v)", i, x.key, w, want)
		}
		close(x.let)
	}
}

// A waiter whose context ends leaves the queue and holds nothing.
func TestFairQueueCancelledWaiter(t *testing.T) {
	h := keyed()
	got := make(chan *holder, 4)
	first := start(t, h, "a", got)
	<-got
	ctx, cancel := context.WithCancel(as("b"))
	done := make(chan error)
	go func() {
		_, err := h.acquire(ctx)
		done <- err
	}()
	waitQueued(t, h.sem, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v", err)
	}
	if h.sem.queued() != 0 {
		t.Fatal("cancelled waiter still queued")
	}
	close(first.let)
	if _, err := h.Hash(as("c"), "pw"); err != nil {
		t.Fatal(err)
	}
}
