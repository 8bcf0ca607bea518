package webhook

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/gatehouse"
)

// forbiddenHosts are endpoint hosts the guard refuses, each with the
// address a resolver makes of it ("" for a name that means this machine).
// The save-time URL check refuses the host; the connect-time guard refuses
// the address.
var forbiddenHosts = []struct{ host, addr string }{
	{"localhost", ""}, {"LOCALHOST", ""}, {"localhost.", ""}, {"LocalHost.", ""}, {"app.localhost", ""}, {"ip6-localhost", ""},
	{"127.0.0.1", "127.0.0.1"}, {"127.9.9.9", "127.9.9.9"}, {"127.1", "127.0.0.1"}, {"127.0.1", "127.0.0.1"},
	{"0x7f000001", "127.0.0.1"}, {"0X7F000001", "127.0.0.1"}, {"017700000001", "127.0.0.1"}, {"2130706433", "127.0.0.1"},
	{"0x7f.1", "127.0.0.1"}, {"0177.0.0.1", "127.0.0.1"}, {"127.000.000.001", "127.0.0.1"}, {"127.0.0.1.", "127.0.0.1"},
	{"0.0.0.0", "0.0.0.0"}, {"0", "0.0.0.0"}, {"0.1.2.3", "0.1.2.3"},
	{"10.0.0.8", "10.0.0.8"}, {"172.16.0.1", "172.16.0.1"}, {"172.31.255.255", "172.31.255.255"}, {"192.168.1.1", "192.168.1.1"},
	{"100.64.0.1", "100.64.0.1"}, {"100.100.100.200", "100.100.100.200"}, {"169.254.169.254", "169.254.169.254"}, {"169.254.1.1", "169.254.1.1"},
	{"192.0.0.8", "192.0.0.8"}, {"198.18.0.1", "198.18.0.1"}, {"198.19.255.255", "198.19.255.255"},
	{"224.0.0.1", "224.0.0.1"}, {"239.255.255.250", "239.255.255.250"}, {"240.0.0.1", "240.0.0.1"}, {"255.255.255.255", "255.255.255.255"},
	{"[::]", "::"}, {"[::1]", "::1"}, {"[::ffff:127.0.0.1]", "::ffff:127.0.0.1"}, {"[::ffff:7f00:1]", "::ffff:7f00:1"},
	{"[::ffff:10.0.0.1]", "::ffff:10.0.0.1"}, {"[::127.0.0.1]", "::127.0.0.1"},
	{"[64:ff9b::7f00:1]", "64:ff9b::7f00:1"}, {"[64:ff9b::a9fe:a9fe]", "64:ff9b::a9fe:a9fe"}, {"[2002:7f00:1::1]", "2002:7f00:1::1"},
	{"[2001:0:4136:e378:8000:63bf:3fff:fdd2]", "2001:0:4136:e378:8000:63bf:3fff:fdd2"}, // Teredo
	{"[fc00::1]", "fc00::1"}, {"[fd00:ec2::254]", "fd00:ec2::254"}, {"[fe80::1]", "fe80::1"}, {"[fe80::1%25eth0]", "fe80::1%eth0"},
	{"[fec0::1]", "fec0::1"}, {"[ff02::1]", "ff02::1"},
}

// allowedHosts are public destinations, in literal and shorthand forms.
var allowedHosts = []struct{ host, addr string }{
	{"hooks.example.com", ""}, {"HOOKS.example.com.", ""}, {"localhost.example.com", ""}, {"mylocalhost.dev", ""},
	{"8.8.8.8", "8.8.8.8"}, {"0x08080808", "8.8.8.8"}, {"1.1.1.1", "1.1.1.1"}, {"172.32.0.1", "172.32.0.1"},
	{"100.128.0.1", "100.128.0.1"}, {"[2001:4860:4860::8888]", "2001:4860:4860::8888"},
}

// Save time: every spelling of a forbidden destination is refused unless
// --webhook-allow-private; malformed hosts are refused always.
func TestValidateURL(t *testing.T) {
	strict := New(Options{})
	lax := New(Options{AllowPrivate: true})
	for _, u := range []string{"", "ftp://example.com/", "/relative", "https://", "https://user:pw@example.com/", "javascript:alert(1)",
		"https://example.com/" + strings.Repeat("a", 2100), "http://1.2.3.4.5/", "http://256.1.1.1/", "http://foo.0x10/",
		"http://127.0.0.1.5/", "http://ｌｏｃａｌｈｏｓｔ/", "http://bücher.example/"} {
		if err := lax.ValidateURL(u); err == nil {
			t.Errorf("%q must be refused", u)
		}
	}
	for _, c := range forbiddenHosts {
		for _, u := range []string{"http://" + c.host + "/", "https://" + c.host + ":8443/h"} {
			err := strict.ValidateURL(u)
			if ge, ok := err.(*gatehouse.Error); !ok || ge.Meta["param_name"] != "url" {
				t.Errorf("%q must be refused without --webhook-allow-private, got %v", u, err)
			}
			if err := lax.ValidateURL(u); err != nil {
				t.Errorf("%q must be allowed with --webhook-allow-private: %v", u, err)
			}
		}
	}
	for _, c := range allowedHosts {
		if err := strict.ValidateURL("https://" + c.host + "/clerk?x=1"); err != nil {
			t.Errorf("%q: %v", c.host, err)
		}
	}
}

// The save-time reading of a host gives the address the connect-time guard
// then sees, and both refuse through the one classifier.
func TestHostAddrAndDialGuard(t *testing.T) {
	check := func(host, want string, forbidden bool) {
		t.Helper()
		h := strings.TrimSuffix(strings.TrimPrefix(strings.ReplaceAll(host, "%25", "%"), "["), "]")
		a, local, err := hostAddr(h)
		if err != nil {
			t.Errorf("%s: %v", host, err)
			return
		}
		if want == "" {
			if a.IsValid() || local != forbidden {
				t.Errorf("%s: address %v, local %v", host, a, local)
			}
			return
		}
		if a != netip.MustParseAddr(want) {
			t.Errorf("%s reads as %v, want %s", host, a, want)
		}
		err = guardControl("tcp", netip.AddrPortFrom(a, 443).String(), nil)
		if forbidden != errors.Is(err, ErrForbiddenAddress) || forbidden != Forbidden(a) {
			t.Errorf("dial guard on %s (%s): %v, Forbidden %v", host, a, err, Forbidden(a))
		}
	}
	for _, c := range forbiddenHosts {
		check(c.host, c.addr, true)
	}
	for _, c := range allowedHosts {
		check(c.host, c.addr, false)
	}
	if err := guardControl("tcp", "not an address", nil); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("unparseable dial address: %v", err)
	}
}
