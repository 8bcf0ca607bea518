package main

import (
	"strings"
	"testing"
)

// Flag help and usage errors never print secrets, although secret-bearing
// flags default from GATEHOUSE_* variables.
func TestHelpAndUsageErrorsHideSecrets(t *testing.T) {
	secrets := map[string]string{
		"GATEHOUSE_SMTP_URL":       "smtp://mailer:smtp-hunter2@127.0.0.1:1",
		"GATEHOUSE_DATABASE_URL":   "postgres://gh:db-hunter2@127.0.0.1:1/gh?connect_timeout=1",
		"GATEHOUSE_REDIS_URL":      "redis://:redis-hunter2@127.0.0.1:1/0",
		"GATEHOUSE_HIBP_URL":       "ftp://mirror:hibp-hunter2@127.0.0.1:1/range/",
		"GATEHOUSE_ENCRYPTION_KEY": "ZW5jLWh1bnRlcjItZW5jLWh1bnRlcjItZW5jLWh1bnQ=",
	}
	for k, v := range secrets {
		t.Setenv(k, v)
	}
	t.Setenv("GATEHOUSE_MAIL_FROM", "auth@example.com")
	for _, args := range [][]string{
		{"serve", "-h"},
		{"serve", "--help"},
		{"serve", "--no-such-flag"},
		{"serve", "--mode", "staging"},
		{"serve", "--hibp"},
		{"serve", "--listen", "nonsense"},
		{"migrate", "-h"},
		{"migrate", "--bogus"},
		{"keys", "show", "-h"},
		{"keys", "show", "--bogus"},
		{"users", "list", "-h"},
		{"users", "create", "--bogus"},
		{"webhooks", "list", "-h"},
		{"webhooks", "create", "--bogus"},
	} {
		code, out, errOut := runCLI(t, "", args...)
		if code != 0 && code != 2 {
			t.Errorf("%v: exit %d, want help (0) or a usage error (2): %s", args, code, errOut)
		}
		all := out + errOut
		if args[len(args)-1] == "-h" && !strings.Contains(all, "-smtp-url") && !strings.Contains(all, "-database-url") {
			t.Errorf("%v: no flag help printed: %s", args, all)
		}
		for name, v := range secrets {
			secret := v
			if i := strings.Index(v, "hunter2"); i >= 0 {
				secret = v[strings.LastIndex(v[:i], ":")+1 : i+len("hunter2")]
			}
			if strings.Contains(all, secret) {
				i := strings.Index(all, secret)
				t.Errorf("%v: output shows %s's secret: …%s…", args, name, all[max(0, i-60):i+len(secret)])
			}
		}
	}
}
