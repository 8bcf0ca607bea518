package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// result is one closed-loop run.
type result struct {
	Ops      int64
	Errors   int64
	FirstErr string
	Elapsed  time.Duration
	P50, P99 time.Duration
}

func (r result) PerSecond() float64 { return float64(r.Ops) / r.Elapsed.Seconds() }

// op performs one scenario operation for worker w (its own state).
type op func(ctx context.Context, w int) error

// closedLoop runs op on conc workers until dur passes or maxOps operations
// completed, after warm (discarded) warm-up. Bounded in time and count.
func closedLoop(ctx context.Context, conc int, warm, dur time.Duration, maxOps int64, fn op) result {
	if warm > 0 {
		wctx, cancel := context.WithTimeout(ctx, warm)
		runWorkers(wctx, conc, maxOps, fn)
		cancel()
	}
	ctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	return runWorkers(ctx, conc, maxOps, fn)
}

func runWorkers(ctx context.Context, conc int, maxOps int64, fn op) result {
	var ops, errs atomic.Int64
	var firstErr atomic.Value
	lats := make([][]time.Duration, conc)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if ops.Load()+errs.Load() >= maxOps {
					return
				}
				t := time.Now()
				err := fn(ctx, w)
				d := time.Since(t)
				if err != nil {
					if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
						return // the run ended mid-operation: not an error
					}
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				ops.Add(1)
				lats[w] = append(lats[w], d)
			}
		}()
	}
	wg.Wait()
	r := result{Ops: ops.Load(), Errors: errs.Load(), Elapsed: time.Since(start)}
	if s, ok := firstErr.Load().(string); ok {
		r.FirstErr = s
	}
	all := slices.Concat(lats...)
	slices.Sort(all)
	if len(all) > 0 {
		r.P50 = all[len(all)*50/100]
		r.P99 = all[min(len(all)-1, len(all)*99/100)]
	}
	return r
}

// parallel runs fn on conc goroutines until dur passes and returns calls/s.
func parallel(conc int, dur time.Duration, fn func()) float64 {
	var n atomic.Int64
	stop := time.Now().Add(dur)
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				fn()
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
