package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"sync/atomic"
	"time"
)

const benchPassword = "bench password 1"

// env is what scenarios share within one database's run.
type env struct {
	s        *server
	api      *bapi
	pwEmails []string // users with benchPassword
	seeded   int      // seeded users seed00000001 … (no password)
	opts     options
}

func (e *env) browsers(n int) []*browser {
	hc := newHTTPClient(n)
	bs := make([]*browser, n)
	for i := range bs {
		bs[i] = &browser{base: e.s.url, hc: hc}
	}
	return bs
}

// measure runs op in a closed loop and samples the server's RSS meanwhile.
func (e *env) measure(ctx context.Context, name string, conc int, fn op) row {
	stop := e.s.watchRSS()
	before := e.s.storeStats()
	start, srv0, gen0 := time.Now(), cpuSeconds(e.s.cmd.Process.Pid), cpuSeconds(os.Getpid())
	res := closedLoop(ctx, conc, e.opts.warmup, e.opts.duration, e.opts.maxOps, fn)
	wall := time.Since(start).Seconds()
	srv, gen := (cpuSeconds(e.s.cmd.Process.Pid)-srv0)/wall, (cpuSeconds(os.Getpid())-gen0)/wall
	rss := stop()
	perReq, stmts, txs := perRequest(before, e.s.storeStats())
	r := row{PerRequest: perReq, StmtsPerOp: stmts, WriteTxsPerOp: txs, Scenario: name, Users: e.seeded + len(e.pwEmails), Concurrency: conc, OpsPerSec: res.PerSecond(), P50: res.P50, P99: res.P99,
		PeakRSSMiB: rss, Ops: res.Ops, Errors: res.Errors, FirstError: res.FirstErr, ServerCores: srv, LoadCores: gen}
	progressf("  %-14s %8.1f/s  p50 %-9s p99 %-9s rss %5.1f MiB  cpu server %.2f load %.2f  sql %.1f stmts %.2f wtx/op  errors %d %s\n", name, r.OpsPerSec, ms(r.P50), ms(r.P99), rss, srv, gen, stmts, txs, r.Errors, r.FirstError)
	return r
}

// createPasswordUsers makes n users with benchPassword through the Backend API.
func (e *env) createPasswordUsers(ctx context.Context, n int) error {
	for i := range n {
		email := fmt.Sprintf("bench-%d@example.com", i)
		if err := e.api.do(ctx, "POST", "/users", map[string]any{"email_address": []string{email}, "password": benchPassword}, nil); err != nil {
			return err
		}
		e.pwEmails = append(e.pwEmails, email)
	}
	return nil
}

func (e *env) signIn(ctx context.Context, conc int, name string) row {
	bs := e.browsers(conc)
	return e.measure(ctx, name, conc, func(ctx context.Context, w int) error {
		_, err := bs[w].signIn(ctx, e.pwEmails[rand.IntN(len(e.pwEmails))], benchPassword)
		return err
	})
}

func (e *env) signUp(ctx context.Context) row {
	bs := e.browsers(e.opts.concurrency)
	var n atomic.Int64
	run := time.Now().UnixNano()
	return e.measure(ctx, "sign-up", e.opts.concurrency, func(ctx context.Context, w int) error {
		_, err := bs[w].signUp(ctx, fmt.Sprintf("su-%d-%d+clerk_test@example.com", run, n.Add(1)), benchPassword)
		return err
	})
}

// signedIn returns one signed-in browser per worker and its session id.
func (e *env) signedIn(ctx context.Context, conc int) ([]*browser, []string, error) {
	bs := e.browsers(conc)
	sids := make([]string, conc)
	for i, b := range bs {
		sid, err := b.signIn(ctx, e.pwEmails[i%len(e.pwEmails)], benchPassword)
		if err != nil {
			return nil, nil, err
		}
		sids[i] = sid
	}
	return bs, sids, nil
}

func (e *env) refresh(ctx context.Context, name string) (row, error) {
	bs, sids, err := e.signedIn(ctx, e.opts.concurrency)
	if err != nil {
		return row{}, err
	}
	form := url.Values{"organization_id": {""}}
	return e.measure(ctx, name, e.opts.concurrency, func(ctx context.Context, w int) error {
		return bs[w].do(ctx, "POST", "/v1/client/sessions/"+sids[w]+"/tokens", form, nil)
	}), nil
}

func (e *env) getClient(ctx context.Context) (row, error) {
	bs, _, err := e.signedIn(ctx, e.opts.concurrency)
	if err != nil {
		return row{}, err
	}
	return e.measure(ctx, "GET /v1/client", e.opts.concurrency, func(ctx context.Context, w int) error {
		return bs[w].do(ctx, "GET", "/v1/client", nil, nil)
	}), nil
}

func (e *env) bapiGetUser(ctx context.Context, name string) row {
	return e.measure(ctx, name, e.opts.concurrency, func(ctx context.Context, w int) error {
		return e.api.do(ctx, "GET", "/users/"+seedUserID(1+rand.IntN(e.seeded)), nil, nil)
	})
}

func (e *env) lookupByEmail(ctx context.Context, name string) row {
	return e.measure(ctx, name, e.opts.concurrency, func(ctx context.Context, w int) error {
		var users []struct{ ID string }
		i := 1 + rand.IntN(e.seeded)
		if err := e.api.do(ctx, "GET", "/users?email_address="+url.QueryEscape(seedEmail(i)), nil, &users); err != nil {
			return err
		}
		if len(users) != 1 || users[0].ID != seedUserID(i) {
			return fmt.Errorf("lookup of %s found %v", seedEmail(i), users)
		}
		return nil
	})
}
