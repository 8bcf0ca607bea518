package httpx_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
)

func TestCheckJSONText(t *testing.T) {
	cases := []struct {
		body  string
		param string // "" means accepted
	}{
		{`{"a":"plain","b":["x","y"],"c":{"d":"é😀"}}`, ""},
		{`{"a":"\ud83d\ude00 pair","b":"\u00e9\"\\\/"}`, ""},
		{`{"a":"\u0000"}`, "a"},
		{`{"a":"ok","b":{"c":[1,{"d":"x\u0000"}]}}`, "b"},
		{`{"a":"\ud800"}`, "a"},
		{`{"a":"\udfff"}`, "a"},
		{`{"a":"\ud800\u0041"}`, "a"},
		{`{"a":"\ud800\\u0041"}`, "a"},
		{"{\"a\":\"\xff\"}", "a"},
		{"{\"a\":\"\xe2\x82\"}", "a"},
		{"{\"a\":1,\"b\":{\"\xc0\":2}}", "b"},
		{`{"a\u0000":1}`, "a"},
		{"{\"k\xff\":1}", "k\uFFFD"},
	}
	for _, c := range cases {
		err := httpx.CheckJSONText([]byte(c.body))
		if c.param == "" {
			if err != nil {
				t.Errorf("%q refused: %v", c.body, err)
			}
			continue
		}
		ge, ok := gatehouse.AsError(err)
		if !ok || ge.Code != gatehouse.CodeParamFormatInvalid || ge.Meta["param_name"] != c.param {
			t.Errorf("%q: got %v, want form_param_format_invalid on %q", c.body, err, c.param)
		}
	}
}

func TestDecodeBytesRefusesNonObjects(t *testing.T) {
	for _, body := range []string{"null", "  null\n", "true", "1", `"s"`, "[]"} {
		var dst struct{ A string }
		ge, ok := gatehouse.AsError(httpx.DecodeBytes([]byte(body), &dst))
		if !ok || ge.Code != gatehouse.CodeMalformedRequest {
			t.Errorf("%q: got %v", body, ge)
		}
	}
	var dst struct{ A string }
	if err := httpx.DecodeBytes([]byte("  "), &dst); err != nil {
		t.Errorf("empty body: %v", err)
	}
}

// Whatever DecodeBytes accepts holds only valid text, and no U+FFFD that
// the input did not spell out.
func FuzzDecodeBytes(f *testing.F) {
	for _, s := range []string{`{"a":"x"}`, `{"a":"\u0000"}`, `{"m":{"k":["\ud800"]}}`, "{\"a\":\"\xff\"}", `{"a":"\ud83d\ude00"}`, `null`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var dst struct {
			A string         `json:"a"`
			M map[string]any `json:"m"`
		}
		if httpx.DecodeBytes([]byte(body), &dst) != nil {
			return
		}
		spelled := strings.ContainsRune(body, utf8.RuneError) || strings.Contains(strings.ToLower(body), `\ufffd`)
		var walk func(v any)
		check := func(s string) {
			if !gatehouse.ValidText(s) || (!spelled && strings.ContainsRune(s, utf8.RuneError)) {
				t.Fatalf("accepted %q from %q", s, body)
			}
		}
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				check(v)
			case []any:
				for _, e := range v {
					walk(e)
				}
			case map[string]any:
				for k, e := range v {
					check(k)
					walk(e)
				}
			}
		}
		check(dst.A)
		walk(dst.M)
		_, _ = json.Marshal(dst)
	})
}
