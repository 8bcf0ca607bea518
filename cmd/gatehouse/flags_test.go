package main

import (
	"strings"
	"testing"
)

func TestMaxConnsPerIPFlag(t *testing.T) {
	dir := t.TempDir()
	for _, v := range []string{"-1", "lots", "1.5"} {
		code, out, errOut := runCLI(t, "", "serve", "--data-dir", dir, "--max-conns-per-ip", v)
		if code != 2 || !strings.Contains(out+errOut, "--max-conns-per-ip") {
			t.Errorf("--max-conns-per-ip %s: exit %d, %s", v, code, out+errOut)
		}
	}
	t.Setenv("GATEHOUSE_MAX_CONNS_PER_IP", "-5")
	if code, out, errOut := runCLI(t, "", "serve", "--data-dir", dir); code != 2 || !strings.Contains(out+errOut, "--max-conns-per-ip") {
		t.Errorf("GATEHOUSE_MAX_CONNS_PER_IP=-5: exit %d, %s", code, out+errOut)
	}
}

// Each command registers only the flags it uses: serve has them all, the
// admin commands the storage, instance and logging ones (plus their own).
func TestCommandsRegisterOnlyTheirFlags(t *testing.T) {
	for _, c := range []struct {
		args      []string
		want, not []string
	}{
		{[]string{"serve", "-h"}, []string{"-listen", "-data-dir", "-rate-limits", "-smtp-url", "-clerk-js-dir", "-public-url"}, nil},
		{[]string{"migrate", "-h"}, []string{"-data-dir", "-database-url"}, []string{"-listen", "-public-url", "-mode"}},
		{[]string{"assets", "list", "-h"}, []string{"-data-dir", "-clerk-js-dir", "-npm-registry"}, []string{"-listen", "-mode"}},
		{[]string{"keys", "show", "-h"}, []string{"-data-dir", "-public-url", "-mode", "-log-format"}, []string{"-listen", "-rate-limits", "-smtp-url", "-hibp", "-webhook-allow-private"}},
		{[]string{"users", "list", "-h"}, []string{"-data-dir", "-public-url", "-hibp"}, []string{"-listen", "-rate-limits", "-smtp-url", "-webhook-lease"}},
		{[]string{"webhooks", "list", "-h"}, []string{"-data-dir", "-webhook-allow-private"}, []string{"-listen", "-rate-limits", "-smtp-url", "-hibp"}},
	} {
		code, out, errOut := runCLI(t, "", c.args...)
		help := out + errOut
		if code != 0 {
			t.Errorf("%v: exit %d: %s", c.args, code, help)
		}
		for _, f := range c.want {
			if !strings.Contains(help, "  "+f+" ") && !strings.Contains(help, "  "+f+"\n") {
				t.Errorf("%v: help lacks %s", c.args, f)
			}
		}
		for _, f := range c.not {
			if strings.Contains(help, "  "+f+" ") || strings.Contains(help, "  "+f+"\n") {
				t.Errorf("%v: help offers %s, which the command does not use", c.args, f)
			}
		}
	}
	if code, _, errOut := runCLI(t, "", "users", "list", "--listen", "127.0.0.1:1"); code != 2 || !strings.Contains(errOut, "-listen") {
		t.Errorf("users list --listen: exit %d, %s", code, errOut)
	}
}
