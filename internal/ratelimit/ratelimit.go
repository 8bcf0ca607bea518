// Package ratelimit counts requests per key in sliding windows: in memory for
// one node, in Redis when several nodes must share counters. The window is
// the usual two-bucket approximation: the previous fixed window's count,
// weighted by how much of it still overlaps the sliding window, plus the
// current window's count. Only allowed requests are counted, so a client
// that waits Retry-After always gets through again.
package ratelimit

import (
	"context"
	"errors"
	"math"
	"time"
)

// Rule is one limit: at most Limit requests per Window for each key.
type Rule struct {
	Name   string // namespaces the keys: "sign_in_create", "bapi", ...
	Limit  int
	Window time.Duration
}

// Decision is the answer for one request.
type Decision struct {
	Allowed    bool
	RetryAfter time.Duration // when denied: how long until a request would pass
}

// Limiter decides whether a request under rule by key may proceed. An error
// means the limiter could not decide; callers fail closed.
type Limiter interface {
	Allow(ctx context.Context, rule Rule, key string) (Decision, error)
}

// ErrUnavailable wraps a limiter backend failure.
var ErrUnavailable = errors.New("rate limiter unavailable")

// weighted is the sliding-window estimate at offset elapsed into the current
// window: the previous window's share is rounded up, so the estimate errs on
// the side of denying (a burst at the end of one window is not forgiven at
// the start of the next).
func weighted(prev, cur int64, elapsed, window time.Duration) int64 {
	share := float64(prev) * (1 - float64(elapsed)/float64(window))
	return int64(math.Ceil(share-1e-9)) + cur
}

// retryAfter is how long until weighted(prev, cur) drops below limit, given
// no further allowed requests.
func retryAfter(prev, cur int64, limit int, elapsed, window time.Duration) time.Duration {
	w := float64(window)
	var t float64
	if cur >= int64(limit) {
		// In the next window cur becomes prev and its share must fall to
		// limit-1: cur*(1-e'/w) <= limit-1.
		t = (w - float64(elapsed)) + w*(1-float64(limit-1)/float64(cur))
	} else {
		// prev*(1-(e+t)/w) <= limit-cur-1.
		t = w*(1-float64(int64(limit)-cur-1)/float64(prev)) - float64(elapsed)
	}
	d := time.Duration(math.Ceil(t)) + time.Millisecond
	return min(max(d, time.Millisecond), 2*window)
}

// RetryAfterSeconds rounds a wait up to whole seconds (at least 1), as the
// Retry-After header wants.
func RetryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
