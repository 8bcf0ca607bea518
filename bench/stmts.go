package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// kindCounts are the statements and write transactions the server ran for
// one kind of request ("POST /v1/client/sign_ins/{id}/attempt_first_factor"),
// read from its debug listener's /debug/store.
type kindCounts struct {
	Requests   int64 `json:"requests"`
	Statements int64 `json:"statements"`
	WriteTxs   int64 `json:"write_txs"`
}

type storeStats struct {
	Requests map[string]kindCounts `json:"requests"`
}

// freeLoopback returns a loopback address nothing listens on.
func freeLoopback() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// storeStats reads the per-request-kind counts (nil when unavailable).
func (s *server) storeStats() *storeStats {
	if s.debug == "" {
		return nil
	}
	c := &http.Client{Timeout: 5 * time.Second}
	res, err := c.Get("http://" + s.debug + "/debug/store")
	if err != nil {
		return nil
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		return nil
	}
	var st storeStats
	if json.Unmarshal(b, &st) != nil {
		return nil
	}
	return &st
}

// perRequest returns the counts per request of each kind seen between two
// snapshots, and their sum: the statements and write transactions of one
// scenario operation, which makes each of its requests once.
func perRequest(before, after *storeStats) (map[string]perKind, float64, float64) {
	if before == nil || after == nil {
		return nil, 0, 0
	}
	out := map[string]perKind{}
	var stmts, txs float64
	for k, a := range after.Requests {
		b := before.Requests[k]
		n := a.Requests - b.Requests
		if n <= 0 {
			continue
		}
		pk := perKind{Requests: n, Statements: float64(a.Statements-b.Statements) / float64(n), WriteTxs: float64(a.WriteTxs-b.WriteTxs) / float64(n)}
		out[k] = pk
		stmts += pk.Statements
		txs += pk.WriteTxs
	}
	return out, stmts, txs
}

// perKind is one request kind's average over a scenario.
type perKind struct {
	Requests   int64   `json:"requests"`
	Statements float64 `json:"statements_per_request"`
	WriteTxs   float64 `json:"write_txs_per_request"`
}

// printStatements prints the statements and write transactions per request
// kind, per database and scenario.
func printStatements(w io.Writer, rows []row) {
	fmt.Fprintf(w, "\nSQL statements and write transactions per request (server-side count, each scenario's requests):\n\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "db\tscenario\trequest\trequests\tstatements\twrite tx\t")
	for _, r := range rows {
		if len(r.PerRequest) == 0 {
			continue
		}
		kinds := make([]string, 0, len(r.PerRequest))
		for k := range r.PerRequest {
			kinds = append(kinds, k)
		}
		sort.Slice(kinds, func(i, j int) bool { return requestOrder(kinds[i]) < requestOrder(kinds[j]) })
		for _, k := range kinds {
			pk := r.PerRequest[k]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.1f\t%.2f\t\n", r.DB, r.Scenario, k, pk.Requests, pk.Statements, pk.WriteTxs)
		}
	}
	tw.Flush()
}

// requestOrder sorts a scenario's requests in the order a client makes them.
func requestOrder(k string) string {
	for i, step := range []string{"sign_ins/{id}/prepare", "sign_ins/{id}/attempt", "sign_ups/{id}/prepare", "sign_ups/{id}/attempt"} {
		if strings.Contains(k, step) {
			return fmt.Sprintf("%d%s", i+1, k)
		}
	}
	return "0" + k
}
