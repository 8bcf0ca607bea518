package gatehouse_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// docTables maps each doc whose error table must list exactly the codes an
// API can answer with to that API. Any other doc may have error tables too;
// their codes must be catalogued with the same status.
var docTables = map[string]gatehouse.API{
	"docs/frontend-api.md": gatehouse.FrontendAPI,
	"docs/backend-api.md":  gatehouse.BackendAPI,
}

var backticked = regexp.MustCompile("`([^`]*)`")

// errorTable returns code → status from every markdown table in doc whose
// header has a "code" and a "status" column.
func errorTable(t *testing.T, doc, text string) map[gatehouse.Code]int {
	t.Helper()
	out := map[gatehouse.Code]int{}
	inTable, errorTable := false, false
	codeCol, statusCol := -1, -1
	for i, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "|") {
			inTable = false
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		if !inTable { // a table's first line is its header
			inTable, codeCol, statusCol = true, -1, -1
			for j, c := range cells {
				switch strings.ToLower(c) {
				case "code":
					codeCol = j
				case "status":
					statusCol = j
				}
			}
			errorTable = codeCol >= 0 && statusCol >= 0
			continue
		}
		if !errorTable || strings.HasPrefix(cells[0], "---") {
			continue
		}
		if codeCol >= len(cells) || statusCol >= len(cells) {
			t.Errorf("%s:%d: an error table row needs a code and a status cell", doc, i+1)
			continue
		}
		status, err := strconv.Atoi(cells[statusCol])
		if err != nil {
			t.Errorf("%s:%d: status %q is not a number", doc, i+1, cells[statusCol])
			continue
		}
		for _, m := range backticked.FindAllStringSubmatch(cells[codeCol], -1) {
			out[gatehouse.Code(m[1])] = status
		}
	}
	return out
}

// TestDocsErrorTables checks the docs' error tables against the catalogue:
// every code listed is catalogued with the same status, and the Frontend
// and Backend API references list exactly the codes their API can emit.
func TestDocsErrorTables(t *testing.T) {
	docs, err := filepath.Glob(filepath.Join(moduleRoot, "docs", "*.md"))
	if err != nil || len(docs) == 0 {
		t.Fatalf("no docs found: %v", err)
	}
	seen := map[string]bool{}
	for _, path := range docs {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		doc := "docs/" + filepath.Base(path)
		table := errorTable(t, doc, string(b))
		for c, status := range table {
			info, ok := c.Info()
			switch {
			case !ok:
				t.Errorf("%s lists %s, which is not in the catalogue", doc, c)
			case info.Status != status:
				t.Errorf("%s says %s is %d; the catalogue says %d", doc, c, status, info.Status)
			}
		}
		api, ok := docTables[doc]
		if !ok {
			continue
		}
		seen[doc] = true
		var missing []string
		for _, c := range gatehouse.Codes() {
			info, _ := c.Info()
			_, listed := table[c]
			switch {
			case info.APIs&api != 0 && !listed:
				missing = append(missing, string(c))
			case info.APIs&api == 0 && listed:
				t.Errorf("%s lists %s, which the catalogue says its API never answers with", doc, c)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s's error table lacks %s", doc, strings.Join(missing, ", "))
		}
	}
	for doc := range docTables {
		if !seen[doc] {
			t.Errorf("%s not found", doc)
		}
	}
}

// TestDocsWebhookEvents: docs/webhooks.md's event table lists exactly
// gatehouse.Events().
func TestDocsWebhookEvents(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(moduleRoot, "docs", "webhooks.md"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	inTable := false
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "| type |"):
			inTable = true
		case !strings.HasPrefix(line, "|"):
			inTable = false
		case inTable:
			first := strings.TrimSpace(strings.Split(strings.Trim(line, "|"), "|")[0])
			if m := backticked.FindStringSubmatch(first); m != nil {
				listed[m[1]] = true
			}
		}
	}
	for _, ev := range gatehouse.Events() {
		if !listed[string(ev)] {
			t.Errorf("docs/webhooks.md's event table lacks %s", ev)
		}
		delete(listed, string(ev))
	}
	for ev := range listed {
		t.Errorf("docs/webhooks.md lists %s, which Gatehouse never emits", ev)
	}
}
