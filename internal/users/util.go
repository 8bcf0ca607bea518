package users

import (
	"strconv"
	"strings"
)

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func trimmed(s string) string { return strings.TrimSpace(s) }
func itoa(n int) string       { return strconv.Itoa(n) }
