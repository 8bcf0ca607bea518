package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func mustAllow(t *testing.T, l Limiter, r Rule, key string) Decision {
	t.Helper()
	d, err := l.Allow(context.Background(), r, key)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var signIn = Rule{Name: "sign_in_create", Limit: 5, Window: 10 * time.Second}

func TestMemoryLimitRetryAfterAndKeys(t *testing.T) {
	c := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	l := &Memory{Now: c.now}
	for i := range 5 {
		if !mustAllow(t, l, signIn, "10.0.0.1").Allowed {
			t.Fatalf("request %d denied", i+1)
		}
	}
	d := mustAllow(t, l, signIn, "10.0.0.1")
	if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > 20*time.Second {
		t.Fatalf("6th request: %+v", d)
	}
	if !mustAllow(t, l, signIn, "10.0.0.2").Allowed {
		t.Fatal("another IP shares the first one's counter")
	}
	if !mustAllow(t, l, Rule{Name: "sign_up_create", Limit: 5, Window: 10 * time.Second}, "10.0.0.1").Allowed {
		t.Fatal("another rule shares the counter")
	}
	// Just before Retry-After: still denied; at it: allowed again.
	c.add(d.RetryAfter - 50*time.Millisecond)
	if mustAllow(t, l, signIn, "10.0.0.1").Allowed {
		t.Fatal("allowed before Retry-After")
	}
	c.add(50 * time.Millisecond)
	if !mustAllow(t, l, signIn, "10.0.0.1").Allowed {
		t.Fatal("denied after Retry-After")
	}
}

// The sliding window does not let a burst at a window boundary double the
// limit (the flaw of plain fixed windows).
func TestMemoryNoDoubleBurstAtBoundary(t *testing.T) {
	c := &fakeClock{t: time.Unix(1_800_000_000, 0).Add(9900 * time.Millisecond)} // 0.1 s before a boundary
	l := &Memory{Now: c.now}
	allowed := 0
	for range 20 {
		if mustAllow(t, l, signIn, "ip").Allowed {
			allowed++
		}
	}
	c.add(200 * time.Millisecond) // just past the boundary
	for range 20 {
		if mustAllow(t, l, signIn, "ip").Allowed {
			allowed++
		}
	}
	if allowed != 5 {
		t.Fatalf("a burst across the boundary got %d requests through, want 5", allowed)
	}
}

func TestMemoryBounded(t *testing.T) {
	c := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	l := &Memory{Now: c.now, MaxKeys: 1000}
	for i := range 50_000 {
		mustAllow(t, l, signIn, fmt.Sprint("ip-", i))
	}
	if n := l.Len(); n > 1000 {
		t.Fatalf("%d keys held, bound 1000", n)
	}
}

func TestMemoryConcurrentExact(t *testing.T) {
	l := NewMemory()
	r := Rule{Name: "attempt", Limit: 3, Window: time.Hour}
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if d, _ := l.Allow(context.Background(), r, "ip"); d.Allowed {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 3 {
		t.Fatalf("%d of 200 concurrent requests allowed, want exactly 3", ok.Load())
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for d, want := range map[time.Duration]int{time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, 9500 * time.Millisecond: 10} {
		if got := RetryAfterSeconds(d); got != want {
			t.Errorf("RetryAfterSeconds(%s) = %d, want %d", d, got, want)
		}
	}
}

func redisURL(t *testing.T) string {
	u := os.Getenv("GATEHOUSE_TEST_REDIS_URL")
	if u == "" {
		t.Skip("GATEHOUSE_TEST_REDIS_URL not set (e.g. redis://127.0.0.1:6379/0): skipping the Redis limiter tests")
	}
	return u
}

// Two nodes with their own Redis clients share one counter; exactly the
// limit passes under concurrency.
func TestRedisSharedAcrossNodes(t *testing.T) {
	u := redisURL(t)
	ctx := context.Background()
	a, err := NewRedis(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := NewRedis(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	r := Rule{Name: "attempt", Limit: 3, Window: time.Minute}
	key := fmt.Sprint("test-", time.Now().UnixNano())
	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := a
			if i%2 == 1 {
				l = b
			}
			d, err := l.Allow(ctx, r, key)
			if err != nil {
				t.Error(err)
			}
			if d.Allowed {
				ok.Add(1)
			} else if d.RetryAfter <= 0 || d.RetryAfter > 2*time.Minute {
				t.Errorf("retry after %s", d.RetryAfter)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 3 {
		t.Fatalf("%d of 50 requests over two nodes allowed, want exactly 3", ok.Load())
	}
	// A short window recovers after Retry-After.
	short := Rule{Name: "short", Limit: 2, Window: time.Second}
	mustAllow(t, a, short, key)
	mustAllow(t, b, short, key)
	d := mustAllow(t, a, short, key)
	if d.Allowed {
		t.Fatal("third request in a 2-per-second window allowed")
	}
	time.Sleep(d.RetryAfter + 20*time.Millisecond)
	if !mustAllow(t, b, short, key).Allowed {
		t.Fatal("denied after Retry-After")
	}
}

// A Redis that stops answering is an error, never an allow.
func TestRedisDownFailsClosed(t *testing.T) {
	u := redisURL(t)
	l, err := NewRedis(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	l.Close() // the pool is closed: every command fails
	d, err := l.Allow(context.Background(), signIn, "ip")
	if err == nil || d.Allowed || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("closed client: %+v %v", d, err)
	}
	if _, err := NewRedis(context.Background(), "redis://127.0.0.1:1/0"); err == nil {
		t.Fatal("connecting to a port with no Redis succeeded")
	}
}
