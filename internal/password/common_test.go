package password

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestIsCommon(t *testing.T) {
	for _, pw := range []string{"password", "PASSWORD", "12345678", "qwertyuiop", "iloveyou", "1qaz2wsx"} {
		if !IsCommon(pw) {
			t.Errorf("%q not flagged as common", pw)
		}
	}
	for _, pw := range []string{"correct horse battery staple 7", "vX9#kq2!LmZ", ""} {
		if IsCommon(pw) {
			t.Errorf("%q flagged as common", pw)
		}
	}
	if n := len(common()); n < 40000 {
		t.Fatalf("list has only %d entries", n)
	}
}

// fakeRange is a local Pwned Passwords range API holding the given passwords
// (plus padding lines); it records the prefixes asked for.
func fakeRange(t *testing.T, breached ...string) (*httptest.Server, *[]string) {
	var asked []string
	byPrefix := map[string][]string{}
	for _, pw := range breached {
		s := sha1.Sum([]byte(pw))
		h := strings.ToUpper(hex.EncodeToString(s[:]))
		byPrefix[h[:5]] = append(byPrefix[h[:5]], h[5:]+":42")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		prefix := strings.TrimPrefix(r.URL.Path, "/range/")
		asked = append(asked, prefix)
		if r.Header.Get("Add-Padding") != "true" {
			t.Errorf("request without Add-Padding")
		}
		for _, l := range byPrefix[prefix] {
			fmt.Fprintln(w, l)
		}
		fmt.Fprintln(w, "0000000000000000000000000000000000A:0") // padding
	}))
	t.Cleanup(srv.Close)
	return srv, &asked
}

func TestPwnedKAnonymity(t *testing.T) {
	srv, asked := fakeRange(t, "Tr0ub4dor&3 breached")
	p := &Pwned{RangeURL: srv.URL + "/range/"}
	ctx := context.Background()
	if hit, err := p.Breached(ctx, "Tr0ub4dor&3 breached"); err != nil || !hit {
		t.Fatalf("breached password: %v %v", hit, err)
	}
	if hit, err := p.Breached(ctx, "not in any breach 91x"); err != nil || hit {
		t.Fatalf("clean password: %v %v", hit, err)
	}
	for _, a := range *asked {
		if len(a) != 5 {
			t.Fatalf("sent %q: more than the 5-character prefix left the server", a)
		}
	}
	// A padding entry (count 0) matching the suffix is not a hit.
	var calls atomic.Int64
	pad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		s := sha1.Sum([]byte("padded"))
		fmt.Fprintf(w, "%s:0\n", strings.ToUpper(hex.EncodeToString(s[:]))[5:])
	}))
	defer pad.Close()
	if hit, _ := (&Pwned{RangeURL: pad.URL + "/"}).Breached(ctx, "padded"); hit || calls.Load() != 1 {
		t.Fatal("a padding line counted as a breach")
	}
	// Service down: an error, not a verdict.
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
	defer down.Close()
	if _, err := (&Pwned{RangeURL: down.URL + "/"}).Breached(ctx, "x"); err == nil {
		t.Fatal("503 from the range API gave no error")
	}
}
