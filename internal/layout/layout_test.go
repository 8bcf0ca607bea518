package layout

import (
	"flag"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/gatehouse/gatehouse/"

var update = flag.Bool("update", false, "rewrite the graph in docs/packages.md from the code")

// root is the repository root (this package is internal/layout).
func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// imports maps each package under internal/ (by its path below internal/,
// e.g. "store/storetest") to the internal packages its non-test files import.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	base := filepath.Join(root(t), "internal")
	out := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(base, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(base, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if dep, ok := strings.CutPrefix(p, module+"internal/"); ok && !slices.Contains(out[pkg], dep) {
				out[pkg] = append(out[pkg], dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// handlers are the packages that speak HTTP: they call services and never
// see SQL.
var handlers = []string{"fapi", "bapi", "pages", "httpx"}

func isHandler(pkg string) bool {
	for _, h := range handlers {
		if pkg == h || strings.HasPrefix(pkg, h+"/") {
			return true
		}
	}
	return false
}

func TestHandlersDoNotImportStore(t *testing.T) {
	for pkg, deps := range imports(t) {
		if !isHandler(pkg) {
			continue
		}
		for _, d := range deps {
			if d == "store" || strings.HasPrefix(d, "store/") {
				t.Errorf("internal/%s imports internal/%s: handlers go through services (docs/packages.md)", pkg, d)
			}
		}
	}
}

func TestDomainImportsOnlyTheStandardLibrary(t *testing.T) {
	if deps := imports(t)["gatehouse"]; len(deps) > 0 {
		t.Errorf("internal/gatehouse imports %v; the domain package depends on the standard library only", deps)
	}
}

// edges renders the graph as sorted "a -> b" lines.
func edges(g map[string][]string) []string {
	var out []string
	for pkg, deps := range g {
		for _, d := range deps {
			out = append(out, pkg+" -> "+d)
		}
	}
	slices.Sort(out)
	return out
}

const fence = "```text\n"

// TestPackagesDocMatchesCode compares the fenced ```text block of
// docs/packages.md with the real imports (run with -update to rewrite it).
func TestPackagesDocMatchesCode(t *testing.T) {
	path := filepath.Join(root(t), "docs", "packages.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, fence)
	if start < 0 {
		t.Fatalf("%s has no %q block", path, strings.TrimSpace(fence))
	}
	start += len(fence)
	end := strings.Index(doc[start:], "```")
	if end < 0 {
		t.Fatalf("%s: unterminated graph block", path)
	}
	end += start
	want := edges(imports(t))
	if *update {
		doc = doc[:start] + strings.Join(want, "\n") + "\n" + doc[end:]
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	var got []string
	for _, line := range strings.Split(doc[start:end], "\n") {
		if line = strings.TrimSpace(line); line != "" {
			got = append(got, strings.Join(strings.Fields(line), " "))
		}
	}
	slices.Sort(got)
	for _, e := range want {
		if _, found := slices.BinarySearch(got, e); !found {
			t.Errorf("docs/packages.md lacks the edge %q (go test ./internal/layout -update rewrites it)", e)
		}
	}
	for _, e := range got {
		if _, found := slices.BinarySearch(want, e); !found {
			t.Errorf("docs/packages.md has %q, which the code does not import", e)
		}
		if from, to, _ := strings.Cut(e, " -> "); isHandler(from) && (to == "store" || strings.HasPrefix(to, "store/")) {
			t.Errorf("docs/packages.md draws a handler -> store edge: %q", e)
		}
	}
}
