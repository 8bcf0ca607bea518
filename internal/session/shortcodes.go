package session

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var shortcodeRe = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// RenderClaims renders a claims template: every string value that is exactly
// one shortcode ("{{user.public_metadata}}") is replaced by the value it
// names, keeping its type; shortcodes inside longer strings are stringified
// (null becomes "null"); "a || b || 'literal'" picks the first non-null,
// non-empty alternative. Unknown paths render as null.
func RenderClaims(tmpl map[string]any, data map[string]any) map[string]any {
	out := make(map[string]any, len(tmpl))
	for k, v := range tmpl {
		out[k] = renderValue(v, data)
	}
	return out
}

func renderValue(v any, data map[string]any) any {
	switch t := v.(type) {
	case map[string]any:
		return RenderClaims(t, data)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = renderValue(e, data)
		}
		return out
	case string:
		if m := shortcodeRe.FindStringSubmatchIndex(t); m != nil && m[0] == 0 && m[1] == len(t) {
			return evalExpr(t[m[2]:m[3]], data)
		}
		return shortcodeRe.ReplaceAllStringFunc(t, func(s string) string {
			inner := shortcodeRe.FindStringSubmatch(s)[1]
			return stringify(evalExpr(inner, data))
		})
	default:
		return v
	}
}

func evalExpr(expr string, data map[string]any) any {
	for _, alt := range strings.Split(expr, "||") {
		alt = strings.TrimSpace(alt)
		v := evalTerm(alt, data)
		if v == nil {
			continue
		}
		if s, ok := v.(string); ok && s == "" {
			continue
		}
		return v
	}
	return nil
}

func evalTerm(t string, data map[string]any) any {
	switch {
	case len(t) >= 2 && (t[0] == '\'' && t[len(t)-1] == '\'' || t[0] == '"' && t[len(t)-1] == '"'):
		return t[1 : len(t)-1]
	case t == "true":
		return true
	case t == "false":
		return false
	case t == "null":
		return nil
	}
	if n, err := strconv.ParseFloat(t, 64); err == nil {
		return n
	}
	var cur any = data
	for _, part := range strings.Split(t, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur, ok = m[part]
		if !ok {
			return nil
		}
	}
	return cur
}

func stringify(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Sprint(t)
		}
		return string(b)
	}
}
