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
