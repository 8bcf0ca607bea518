package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// row is one line of the result table.
type row struct {
	DB          string        `json:"db"`
	Scenario    string        `json:"scenario"`
	Users       int           `json:"users"`
	Concurrency int           `json:"concurrency"`
	OpsPerSec   float64       `json:"ops_per_sec"`
	P50         time.Duration `json:"-"`
	P99         time.Duration `json:"-"`
	P50ms       float64       `json:"p50_ms"`
	P99ms       float64       `json:"p99_ms"`
	PeakRSSMiB  float64       `json:"peak_rss_mib"`
	ServerCores float64       `json:"server_cpu_cores"`  // CPU the server used (1.0 = one core busy)
	LoadCores   float64       `json:"loadgen_cpu_cores"` // CPU this load generator used meanwhile
	Ops         int64         `json:"ops"`
	Errors      int64         `json:"errors"`
	FirstError  string        `json:"first_error,omitempty"`
	Bound       string        `json:"bound"`  // what limits it
	Ratio       float64       `json:"ratio"`  // measured / bound
	Target      string        `json:"target"` // the PERFORMANCE.md target
	Pass        bool          `json:"pass"`
	// SQL per operation (server-side count over the scenario's requests).
	StmtsPerOp    float64            `json:"statements_per_op"`
	WriteTxsPerOp float64            `json:"write_txs_per_op"`
	PerRequest    map[string]perKind `json:"per_request,omitempty"`
}

// report is the machine-readable result.
type report struct {
	Time     time.Time `json:"time"`
	Machine  machine   `json:"machine"`
	Limits   limits    `json:"limits"`
	Rows     []row     `json:"rows"`
	Duration string    `json:"scenario_duration"`
}

type machine struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model"`
	GoVersion string `json:"go_version"`
	MemTotal  string `json:"mem_total"`
}

func cpuModel() (model, mem string) {
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				mem = strings.TrimSpace(v)
			}
		}
	}
	return
}

func printTable(w io.Writer, rep report) {
	fmt.Fprintf(w, "\nMachine: %d CPUs, %s, %s RAM, %s\n", rep.Machine.CPUs, rep.Machine.CPUModel, rep.Machine.MemTotal, rep.Machine.GoVersion)
	fmt.Fprintf(w, "Raw limits (all cores, this run): argon2id %.1f hashes/s · RS256 sign %.0f/s · RS256 verify %.0f/s\n\n",
		rep.Limits.Argon2idPerSec, rep.Limits.RS256SignSec, rep.Limits.RS256VerifySec)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "db\tscenario\tusers\tconc\tthroughput\tp50\tp99\tpeak RSS\tCPU srv/load\tSQL/op\terrors\tbound\tratio\ttarget\tok\t")
	for _, r := range rep.Rows {
		tput, p50, p99 := fmt.Sprintf("%.1f/s", r.OpsPerSec), ms(r.P50), ms(r.P99)
		if r.OpsPerSec == 0 {
			tput = "-"
		}
		if r.P50 == 0 {
			p50, p99 = "-", "-"
		}
		ratio := fmt.Sprintf("%.2f", r.Ratio)
		if r.Bound == "" {
			ratio = "-"
		}
		ok := "yes"
		if !r.Pass {
			ok = "NO"
		}
		if r.Target == "" {
			ok = ""
		}
		cpu := fmt.Sprintf("%.2f/%.2f", r.ServerCores, r.LoadCores)
		if r.ServerCores == 0 && r.LoadCores == 0 {
			cpu = "-"
		}
		sqlOp := "-"
		if len(r.PerRequest) > 0 {
			sqlOp = fmt.Sprintf("%.1f/%.1f tx", r.StmtsPerOp, r.WriteTxsPerOp)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%.1f MiB\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t\n", r.DB, r.Scenario, users(r.Users), r.Concurrency,
			tput, p50, p99, r.PeakRSSMiB, cpu, sqlOp, r.Errors, r.Bound, ratio, r.Target, ok)
	}
	tw.Flush()
	printStatements(w, rep.Rows)
}

func users(n int) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1000:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

func writeJSON(path string, rep report) error {
	for i := range rep.Rows {
		rep.Rows[i].P50ms = float64(rep.Rows[i].P50.Microseconds()) / 1000
		rep.Rows[i].P99ms = float64(rep.Rows[i].P99.Microseconds()) / 1000
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func progressf(format string, args ...any) { fmt.Fprintf(os.Stderr, format, args...) }
