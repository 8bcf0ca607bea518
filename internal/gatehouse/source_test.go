package gatehouse_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// moduleRoot is the repository root, relative to this package's directory.
const moduleRoot = "../.."

// sourceFile is one parsed non-test Go file of the server.
type sourceFile struct {
	path string // slash-separated, relative to the module root
	fset *token.FileSet
	file *ast.File
}

// serverSources parses every non-test Go file under internal/ and cmd/.
func serverSources(t *testing.T) []sourceFile {
	t.Helper()
	fset := token.NewFileSet()
	var out []sourceFile
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(moduleRoot, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(moduleRoot, p)
			out = append(out, sourceFile{path: filepath.ToSlash(rel), fset: fset, file: f})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(out) < 50 {
		t.Fatalf("found only %d source files under %s; is moduleRoot right?", len(out), moduleRoot)
	}
	return out
}

func (s sourceFile) pos(n ast.Node) string {
	p := s.fset.Position(n.Pos())
	return s.path + ":" + itoa(p.Line)
}

// inDomain reports whether the file belongs to package gatehouse itself,
// where the catalogue's names are used unqualified.
func (s sourceFile) inDomain() bool { return strings.HasPrefix(s.path, "internal/gatehouse/") }

// domainName returns the name of a gatehouse identifier expr refers to:
// gatehouse.X anywhere, or a bare X inside package gatehouse.
func (s sourceFile) domainName(expr ast.Expr) (string, bool) {
	switch x := expr.(type) {
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok && id.Name == "gatehouse" {
			return x.Sel.Name, true
		}
	case *ast.Ident:
		if s.inDomain() {
			return x.Name, true
		}
	}
	return "", false
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestDomainImportsNoHTTP keeps package gatehouse free of net/http (and of
// anything outside the standard library): HTTP statuses in the catalogue
// are plain numbers, and only internal/httpx speaks HTTP.
func TestDomainImportsNoHTTP(t *testing.T) {
	for _, s := range serverSources(t) {
		if !s.inDomain() || strings.Count(s.path, "/") != 2 {
			continue
		}
		for _, imp := range s.file.Imports {
			path := strings.Trim(imp.Path.Value, `"`)
			if path == "net/http" || strings.HasPrefix(path, "net/http/") {
				t.Errorf("%s imports %s; the domain package must not speak HTTP", s.pos(imp), path)
			}
			if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
				t.Errorf("%s imports %s; the domain package imports only the standard library", s.pos(imp), path)
			}
		}
	}
}
