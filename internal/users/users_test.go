package users

import (
	"encoding/json"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	cases := map[string]string{
		"Ada@Example.COM":       "ada@example.com",
		"  ada@example.com ":    "ada@example.com",
		"ＡＤＡ@ｅｘａｍｐｌｅ.ｃｏｍ":       "ada@example.com", // full-width look-alikes fold under NFKC
		"ada+tag@example.co.uk": "ada+tag@example.co.uk",
	}
	for in, want := range cases {
		if got, ok := NormalizeEmail(in); !ok || got != want {
			t.Errorf("NormalizeEmail(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "ada", "@example.com", "ada@", "ada@example", "a@b@c.com", "ada@.example.com", "ada@example..com",
		"ada example@x.com", "ada\n@x.com", "<ada>@x.com", "\xff@x.com"} {
		if _, ok := NormalizeEmail(bad); ok {
			t.Errorf("NormalizeEmail(%q) accepted", bad)
		}
	}
}

func TestNormalizePhoneAndUsername(t *testing.T) {
	if got, ok := NormalizePhone("+1 (555) 555-0100"); !ok || got != "+15555550100" {
		t.Fatalf("phone: %q %v", got, ok)
	}
	for _, bad := range []string{"5555550100", "+0123456789", "+1 555 abc", "+12"} {
		if _, ok := NormalizePhone(bad); ok {
			t.Errorf("NormalizePhone(%q) accepted", bad)
		}
	}
	if _, err := NormalizeUsername("ab"); err == nil || err.Code != "form_username_invalid_length" {
		t.Fatalf("short username: %v", err)
	}
	if _, err := NormalizeUsername("bad name"); err == nil {
		t.Fatal("username with a space accepted")
	}
	if got, err := NormalizeUsername("Ｇｒａｃｅ_1"); err != nil || got != "Grace_1" {
		t.Fatalf("NFKC username: %q %v", got, err)
	}
}

func TestDeepMerge(t *testing.T) {
	var base, patch map[string]any
	_ = json.Unmarshal([]byte(`{"a":1,"n":{"x":1,"y":{"z":1,"w":2}},"keep":true}`), &base)
	_ = json.Unmarshal([]byte(`{"a":null,"n":{"y":{"z":null,"v":3},"q":[1]},"new":{"k":null,"j":2}}`), &patch)
	got, _ := json.Marshal(DeepMerge(base, patch))
	want := `{"keep":true,"n":{"q":[1],"x":1,"y":{"v":3,"w":2}},"new":{"j":2}}`
	if string(got) != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	if b, _ := json.Marshal(base); string(b) != `{"a":1,"keep":true,"n":{"x":1,"y":{"w":2,"z":1}}}` {
		t.Fatalf("base was modified: %s", b)
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"Ada@Example.com", "ＡＤＡ@ｅｘａｍｐｌｅ.ｃｏｍ", "a@b", "\u212Aelvin@x.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := NormalizeEmail(s)
		if !ok {
			return
		}
		// Normalising is idempotent: the canonical form maps to itself.
		if again, ok2 := NormalizeEmail(n); !ok2 || again != n {
			t.Fatalf("not idempotent: %q -> %q -> %q %v", s, n, again, ok2)
		}
	})
}
