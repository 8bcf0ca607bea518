package gatehouse_test

import (
	"go/ast"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// codeConstants returns the Code constants codes.go declares, by name.
func codeConstants(t *testing.T, srcs []sourceFile) map[string]gatehouse.Code {
	t.Helper()
	out := map[string]gatehouse.Code{}
	for _, s := range srcs {
		if s.path != "internal/gatehouse/codes.go" {
			continue
		}
		for _, d := range s.file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				v := spec.(*ast.ValueSpec)
				if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "Code" {
					continue
				}
				for i, name := range v.Names {
					lit := v.Values[i].(*ast.BasicLit)
					val, _ := strconv.Unquote(lit.Value)
					out[name.Name] = gatehouse.Code(val)
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no Code constants found in internal/gatehouse/codes.go")
	}
	return out
}

// TestCatalogueComplete: every Code constant has a catalogue row with a
// 4xx/5xx status and both messages, and every row has a constant.
func TestCatalogueComplete(t *testing.T) {
	consts := codeConstants(t, serverSources(t))
	declared := map[gatehouse.Code]bool{}
	for name, c := range consts {
		declared[c] = true
		info, ok := c.Info()
		switch {
		case !ok:
			t.Errorf("%s (%s) has no catalogue row", name, c)
		case info.Status < 400 || info.Status > 599:
			t.Errorf("%s: status %d is not an error status", c, info.Status)
		case info.Message == "" || info.LongMessage == "":
			t.Errorf("%s: both messages must be set", c)
		case info.Reserved && info.APIs != 0:
			t.Errorf("%s: a reserved code is listed for no API", c)
		}
		if e := gatehouse.Err(c); e.Code != c || e.Status != info.Status || e.Message != info.Message || e.Meta != nil {
			t.Errorf("Err(%s) = %+v", c, e)
		}
	}
	for _, c := range gatehouse.Codes() {
		if !declared[c] {
			t.Errorf("catalogue row %s has no Code constant in codes.go", c)
		}
	}
}

// TestCodesEmitted: every catalogued code is emitted somewhere — named as
// the argument of gatehouse.Err — unless it is marked Reserved, and no
// reserved code is emitted. Nothing outside package gatehouse builds an
// Error literal, and no string literal spells a code: statuses and
// messages come from the catalogue only.
func TestCodesEmitted(t *testing.T) {
	srcs := serverSources(t)
	consts := codeConstants(t, srcs)
	byValue := map[string]string{}
	for name, c := range consts {
		byValue[string(c)] = name
	}
	emitted := map[gatehouse.Code][]string{}
	for _, s := range srcs {
		ast.Inspect(s.file, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				if f, ok := s.domainName(x.Fun); ok && f == "Err" && len(x.Args) == 1 {
					name, ok := s.domainName(x.Args[0])
					c, known := consts[name]
					if !ok || !known {
						t.Errorf("%s: gatehouse.Err must name a Code constant", s.pos(x))
						return true
					}
					emitted[c] = append(emitted[c], s.pos(x))
				}
			case *ast.CompositeLit:
				if name, ok := s.domainName(x.Type); ok && name == "Error" && !s.inDomain() {
					t.Errorf("%s: build errors with gatehouse.Err, not a gatehouse.Error literal", s.pos(x))
				}
			case *ast.BasicLit:
				if x.Kind != token.STRING || s.path == "internal/gatehouse/codes.go" {
					return true
				}
				v, err := strconv.Unquote(x.Value)
				if name, ok := byValue[v]; ok && err == nil {
					t.Errorf("%s: string literal %q spells a code; use gatehouse.%s", s.pos(x), v, name)
				}
			}
			return true
		})
	}
	for _, c := range gatehouse.Codes() {
		info, _ := c.Info()
		switch {
		case info.Reserved && len(emitted[c]) > 0:
			t.Errorf("%s is marked Reserved but emitted at %s", c, strings.Join(emitted[c], ", "))
		case !info.Reserved && len(emitted[c]) == 0:
			t.Errorf("%s is never emitted (no gatehouse.Err(%s)); emit it or mark it Reserved", c, byValue[string(c)])
		}
	}
}
