package gatehouse_test

import (
	"go/ast"
	"go/token"
	"testing"
)

// TestEventNamesAreConstants: no call to Emit or emit passes a string
// literal (or an expression built from one, like "session."+status): event
// names are the gatehouse.Event constants.
func TestEventNamesAreConstants(t *testing.T) {
	calls := 0
	for _, s := range serverSources(t) {
		ast.Inspect(s.file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var name string
			switch f := call.Fun.(type) {
			case *ast.Ident:
				name = f.Name
			case *ast.SelectorExpr:
				name = f.Sel.Name
			}
			if name != "Emit" && name != "emit" {
				return true
			}
			calls++
			for _, arg := range call.Args {
				ast.Inspect(arg, func(n ast.Node) bool {
					if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						t.Errorf("%s: %s called with the string literal %s; use a gatehouse.Event constant", s.pos(lit), name, lit.Value)
					}
					return true
				})
			}
			return true
		})
	}
	if calls < 10 {
		t.Fatalf("found only %d Emit calls; is the walk right?", calls)
	}
}
