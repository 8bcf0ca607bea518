// Package config is Gatehouse's deployment configuration: what operators set
// with flags and GATEHOUSE_* environment variables, validated at start. Each
// command registers only the flag groups it uses; the settings of the other
// groups still come from their environment variables or defaults.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/assets"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
)

// Modes.
const (
	ModeDevelopment = "development"
	ModeProduction  = "production"
)

// Config is the deployment configuration (what operators set; what end users
// experience lives in the instance settings in the database).
type Config struct {
	Listen              string
	BAPIListen          string // optional separate listener serving the Backend API at /v1
	DebugListen         string // optional listener serving net/http/pprof (loopback only)
	PublicURL           string
	DataDir             string
	DatabaseURL         string
	Mode                string
	LogLevel            string
	LogFormat           string
	Issuer              string // iss of session tokens; default the public URL
	WebhookAllowPrivate bool   // let webhook endpoints be loopback/private addresses (development, tests)
	WebhookLease        time.Duration
	SMTPURL             string // smtp://user:pass@host:587 or smtps://...; empty logs mail (development only)
	MailFrom            string
	EncryptionKey       string // from GATEHOUSE_ENCRYPTION_KEY only (never a flag: flags show up in ps)
	ShutdownGrace       time.Duration
	ReloadInterval      time.Duration
	RateLimits          string         // "on" (default) or "off"
	RedisURL            string         // shared rate-limit counters; empty: in memory, per node
	TrustedProxies      []netip.Prefix // peers whose X-Forwarded-For is believed
	HIBP                bool           // check new passwords against Have I Been Pwned (k-anonymity)
	HIBPURL             string         // range API base URL
	MaxConnsPerIP       int            // concurrent connections per client (TCP peer; IPv6 per /64); 0: no cap
	ReadHeaderTimeout   time.Duration  // request headers must arrive within it (default 10 s)
	IdleTimeout         time.Duration  // keep-alive connections idle at most this long (default 60 s)
	ClerkJSDir          string         // offline directory of `npm pack` tarballs of the pinned Clerk bundles
	NPMRegistry         string         // registry the pinned bundles are fetched from on first use
	CookieDomain        string         // Domain of the FAPI's __client_uat cookies ("" host-only); see DefaultCookieDomain

	// Clock is the time source; nil: the system clock (tests inject a
	// gatehouse.FakeClock). Not a flag.
	Clock gatehouse.Clock
	// Limiter counts the rate limits when set (tests inject one with a
	// frozen clock); nil: in memory, or Redis with RedisURL. Not a flag.
	Limiter ratelimit.Limiter
	// MailSender delivers the e-mails when set (tests capture them); nil:
	// SMTPURL, or the log. Not a flag.
	MailSender mail.Sender

	cookieDomainSet    bool
	webhookLeaseEnv    string
	maxConnsText       string
	trustedProxiesText string
}

// Group is a set of related flags. A command registers the groups it uses;
// the settings of the others still come from their environment variables
// or defaults (see Register).
type Group int

// The flag groups.
const (
	Listeners Group = iota // --listen, --bapi-listen, --debug-listen, --max-conns-per-ip, --shutdown-grace, --cookie-domain
	Instance               // --public-url, --issuer, --mode
	Mail                   // --smtp-url, --mail-from
	Webhooks               // --webhook-allow-private, --webhook-lease
	Abuse                  // --rate-limits, --redis-url, --trusted-proxies
	Passwords              // --hibp, --hibp-url
	Storage                // --data-dir, --database-url
	Assets                 // --clerk-js-dir, --npm-registry
	Logging                // --log-level, --log-format
	numGroups
)

// All is every group: the flags of `gatehouse serve`.
func All() []Group {
	all := make([]Group, numGroups)
	for g := range all {
		all[g] = Group(g)
	}
	return all
}

// Register defines the flags of groups on fs, defaulting from GATEHOUSE_*
// environment variables; every other group's settings are read from the
// environment (or their defaults) without flags, so validation and the
// services see the same configuration whichever command runs.
func (c *Config) Register(fs *flag.FlagSet, groups ...Group) {
	hidden := flag.NewFlagSet("", flag.ContinueOnError)
	for g := Group(0); g < numGroups; g++ {
		if !slices.Contains(groups, g) {
			c.group(g, hidden)
		}
	}
	for _, g := range groups {
		c.group(g, fs)
	}
}

func (c *Config) group(g Group, fs *flag.FlagSet) {
	switch g {
	case Listeners:
		c.listenerFlags(fs)
	case Instance:
		c.instanceFlags(fs)
	case Mail:
		c.mailFlags(fs)
	case Webhooks:
		c.webhookFlags(fs)
	case Abuse:
		c.abuseFlags(fs)
	case Passwords:
		c.passwordFlags(fs)
	case Storage:
		c.storageFlags(fs)
	case Assets:
		c.assetFlags(fs)
	case Logging:
		c.logFlags(fs)
	}
}

func (c *Config) listenerFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Listen, "listen", env("GATEHOUSE_LISTEN", "127.0.0.1:8080"), "address to serve on (env GATEHOUSE_LISTEN)")
	fs.StringVar(&c.BAPIListen, "bapi-listen", env("GATEHOUSE_BAPI_LISTEN", ""), "optional private address serving only the Backend API at /v1 (env GATEHOUSE_BAPI_LISTEN)")
	fs.StringVar(&c.DebugListen, "debug-listen", env("GATEHOUSE_DEBUG_LISTEN", ""), "optional loopback address serving Go's /debug/pprof profiles (env GATEHOUSE_DEBUG_LISTEN)")
	c.maxConnsText = env("GATEHOUSE_MAX_CONNS_PER_IP", "256")
	fs.Func("max-conns-per-ip", "concurrent connections one client IP (the TCP peer; IPv6 per /64; trusted proxies exempt) may hold open; more are closed at once; 0: no cap (env GATEHOUSE_MAX_CONNS_PER_IP; default 256)",
		func(v string) error { c.maxConnsText = v; return nil })
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", 10*time.Second, "how long in-flight requests may finish on shutdown")
	c.CookieDomain, c.cookieDomainSet = os.LookupEnv("GATEHOUSE_COOKIE_DOMAIN")
	fs.Func("cookie-domain", "Domain attribute of the __client_uat cookies, so an app on a parent domain sees them (env GATEHOUSE_COOKIE_DOMAIN; default the public host minus a leading \"clerk.\", e.g. example.com for https://clerk.example.com; \"\" for host-only)",
		func(v string) error { c.CookieDomain, c.cookieDomainSet = v, true; return nil })
}

func (c *Config) instanceFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.PublicURL, "public-url", env("GATEHOUSE_PUBLIC_URL", ""), "URL browsers use to reach this server; encoded in the publishable key (env GATEHOUSE_PUBLIC_URL; default http://<listen>)")
	fs.StringVar(&c.Issuer, "issuer", env("GATEHOUSE_ISSUER", ""), "iss claim of session tokens (env GATEHOUSE_ISSUER; default the public URL; clerk-sdk-go wants https://clerk.<domain>)")
	fs.StringVar(&c.Mode, "mode", env("GATEHOUSE_MODE", ModeDevelopment), "development or production (env GATEHOUSE_MODE)")
}

func (c *Config) mailFlags(fs *flag.FlagSet) {
	secretVar(fs, &c.SMTPURL, "smtp-url", "GATEHOUSE_SMTP_URL", "", "smtp://user:pass@host:587 or smtps://...:465 (env GATEHOUSE_SMTP_URL; empty: mail is logged, development only)")
	fs.StringVar(&c.MailFrom, "mail-from", env("GATEHOUSE_MAIL_FROM", ""), "sender address of e-mails (env GATEHOUSE_MAIL_FROM)")
}

func (c *Config) webhookFlags(fs *flag.FlagSet) {
	fs.BoolVar(&c.WebhookAllowPrivate, "webhook-allow-private", env("GATEHOUSE_WEBHOOK_ALLOW_PRIVATE", "") == "true",
		"allow webhook endpoints on loopback and private addresses (env GATEHOUSE_WEBHOOK_ALLOW_PRIVATE=true; development and tests only)")
	c.webhookLeaseEnv = env("GATEHOUSE_WEBHOOK_LEASE", "60s")
	fs.Func("webhook-lease", "how long a node holds a claimed webhook delivery before another node may retry it; sends time out at half of it, at most 15s (env GATEHOUSE_WEBHOOK_LEASE; default 60s)",
		func(v string) error { c.webhookLeaseEnv = v; return nil })
}

func (c *Config) abuseFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.RateLimits, "rate-limits", env("GATEHOUSE_RATE_LIMITS", "on"),
		"on: Clerk's published limits per client IP and per secret key; off: none (benchmarks, tests) (env GATEHOUSE_RATE_LIMITS)")
	secretVar(fs, &c.RedisURL, "redis-url", "GATEHOUSE_REDIS_URL", "",
		"redis://host:6379/0: rate-limit counters shared by every node (env GATEHOUSE_REDIS_URL; empty: in memory per node)")
	fs.StringVar(&c.trustedProxiesText, "trusted-proxies", env("GATEHOUSE_TRUSTED_PROXIES", ""),
		"comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For names the client (env GATEHOUSE_TRUSTED_PROXIES; empty: the TCP peer is the client)")
}

func (c *Config) passwordFlags(fs *flag.FlagSet) {
	fs.BoolVar(&c.HIBP, "hibp", env("GATEHOUSE_HIBP", "") == "true",
		"also refuse new passwords found in Have I Been Pwned's breach corpus; only a 5-hex-digit SHA-1 prefix leaves the server (env GATEHOUSE_HIBP=true)")
	secretVar(fs, &c.HIBPURL, "hibp-url", "GATEHOUSE_HIBP_URL", "https://api.pwnedpasswords.com/range/",
		"Pwned Passwords range API base URL, for a mirror (env GATEHOUSE_HIBP_URL)")
}

func (c *Config) logFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.LogLevel, "log-level", env("GATEHOUSE_LOG_LEVEL", "info"), "debug, info, warn or error (env GATEHOUSE_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("GATEHOUSE_LOG_FORMAT", "json"), "json or text (env GATEHOUSE_LOG_FORMAT)")
}

func (c *Config) storageFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", env("GATEHOUSE_DATA_DIR", "gatehouse-data"), "directory for the SQLite database and development key (env GATEHOUSE_DATA_DIR)")
	secretVar(fs, &c.DatabaseURL, "database-url", "GATEHOUSE_DATABASE_URL", "", "postgres://... to use PostgreSQL; empty for SQLite in the data directory (env GATEHOUSE_DATABASE_URL)")
}

func (c *Config) assetFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.ClerkJSDir, "clerk-js-dir", env("GATEHOUSE_CLERK_JS_DIR", ""),
		"directory of `npm pack` tarballs of the pinned clerk-js/@clerk/ui versions (`gatehouse assets list`); when set, the npm registry is never asked (env GATEHOUSE_CLERK_JS_DIR)")
	fs.StringVar(&c.NPMRegistry, "npm-registry", env("GATEHOUSE_NPM_REGISTRY", assets.DefaultRegistry),
		"npm registry (or mirror) the pinned Clerk browser bundles are fetched from on first use; their sha512 is checked against the pins either way (env GATEHOUSE_NPM_REGISTRY)")
}

// AssetOptions configures the Clerk bundle store: cached in <data-dir>/assets.
func (c *Config) AssetOptions(log *slog.Logger) assets.Options {
	return assets.Options{CacheDir: filepath.Join(c.DataDir, "assets"), OfflineDir: c.ClerkJSDir, Registry: c.NPMRegistry, Log: log}
}

// Finish validates c and fills derived defaults.
func (c *Config) Finish() error {
	if c.EncryptionKey == "" { // never a flag; tests may set the field
		c.EncryptionKey = os.Getenv("GATEHOUSE_ENCRYPTION_KEY")
	}
	if c.ReloadInterval == 0 {
		c.ReloadInterval = 30 * time.Second
	}
	if c.ReadHeaderTimeout == 0 {
		c.ReadHeaderTimeout = 10 * time.Second
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 60 * time.Second
	}
	var errs []error
	if c.Mode != ModeDevelopment && c.Mode != ModeProduction {
		errs = append(errs, fmt.Errorf("--mode must be development or production, not %q", c.Mode))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("--listen %q: want host:port, e.g. 127.0.0.1:8080", c.Listen))
	}
	if c.BAPIListen != "" {
		if _, _, err := net.SplitHostPort(c.BAPIListen); err != nil {
			errs = append(errs, fmt.Errorf("--bapi-listen %q: want host:port", c.BAPIListen))
		}
	}
	if c.DebugListen != "" {
		host, _, err := net.SplitHostPort(c.DebugListen)
		if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			errs = append(errs, fmt.Errorf("--debug-listen %q: want a loopback host:port such as 127.0.0.1:6060 (profiles must not be public)", c.DebugListen))
		}
	}
	if c.maxConnsText != "" {
		n, err := strconv.Atoi(c.maxConnsText)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("--max-conns-per-ip %q: want a whole number, 0 for no cap", c.maxConnsText))
		} else {
			c.MaxConnsPerIP = n
		}
	}
	if c.MaxConnsPerIP < 0 {
		errs = append(errs, errors.New("--max-conns-per-ip must not be negative"))
	}
	switch c.RateLimits {
	case "", "on":
		c.RateLimits = "on"
	case "off":
	default:
		errs = append(errs, fmt.Errorf("--rate-limits %q: want on or off", c.RateLimits))
	}
	if c.RedisURL != "" && !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://") {
		errs = append(errs, fmt.Errorf("--redis-url: want redis://host:6379/0 or rediss://..."))
	}
	if c.NPMRegistry != "" {
		if u, err := url.Parse(c.NPMRegistry); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, errors.New("--npm-registry: want an http(s) URL such as "+assets.DefaultRegistry))
		}
	}
	if c.HIBP {
		if u, err := url.Parse(c.HIBPURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, errors.New("--hibp-url: want an http(s) URL"))
		}
	}
	if c.trustedProxiesText != "" {
		c.TrustedProxies = nil
		for _, f := range strings.Split(c.trustedProxiesText, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			p, err := netip.ParsePrefix(f)
			if err != nil {
				a, aerr := netip.ParseAddr(f)
				if aerr != nil {
					errs = append(errs, fmt.Errorf("--trusted-proxies: %q is not an IP or CIDR", f))
					continue
				}
				p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
			}
			c.TrustedProxies = append(c.TrustedProxies, p.Masked())
		}
	}
	if c.PublicURL == "" {
		host, port, _ := net.SplitHostPort(c.Listen)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		c.PublicURL = "http://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		errs = append(errs, fmt.Errorf("--public-url %q: want an absolute http(s) URL with no path, e.g. https://auth.example.com", c.PublicURL))
	} else {
		c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
		if c.Mode == ModeProduction && u.Scheme != "https" {
			errs = append(errs, errors.New("--public-url must use https in production mode"))
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", c.LogLevel))
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, fmt.Errorf("--log-format must be json or text, not %q", c.LogFormat))
	}
	if c.Issuer == "" {
		c.Issuer = c.PublicURL
	}
	if u, err := url.Parse(c.PublicURL); err == nil && u.Host != "" {
		host := u.Hostname()
		if !c.cookieDomainSet {
			c.CookieDomain = DefaultCookieDomain(host)
		}
		c.CookieDomain = strings.TrimPrefix(strings.ToLower(c.CookieDomain), ".")
		if d := c.CookieDomain; d != "" && d != strings.ToLower(host) && !strings.HasSuffix(strings.ToLower(host), "."+d) {
			errs = append(errs, fmt.Errorf("--cookie-domain %q: must be the public host %q or a parent domain of it (browsers ignore other domains)", d, host))
		}
	}
	if c.webhookLeaseEnv != "" {
		d, err := time.ParseDuration(c.webhookLeaseEnv)
		if err != nil || d < time.Second || d > time.Hour {
			errs = append(errs, fmt.Errorf("--webhook-lease %q: want a duration from 1s to 1h, e.g. 60s", c.webhookLeaseEnv))
		} else {
			c.WebhookLease = d
		}
	}
	if c.WebhookLease == 0 {
		c.WebhookLease = 60 * time.Second
	}
	if c.Mode == ModeProduction && c.SMTPURL == "" {
		errs = append(errs, errors.New("production mode needs --smtp-url (GATEHOUSE_SMTP_URL) to deliver verification codes"))
	}
	if c.SMTPURL != "" && c.MailFrom == "" {
		errs = append(errs, errors.New("--mail-from is required with --smtp-url"))
	}
	if c.Mode == ModeProduction && c.EncryptionKey == "" {
		errs = append(errs, errors.New("production mode needs GATEHOUSE_ENCRYPTION_KEY (32 bytes, base64 or hex); generate one with `gatehouse keys gen-encryption-key`"))
	}
	return errors.Join(errs...)
}

// DefaultCookieDomain is the default --cookie-domain for a public host: the
// host minus a leading "clerk." when what is left looks registrable (it has
// a dot and is not an IP address), else "" (host-only; IP addresses and
// localhost). Gatehouse at clerk.example.com thus sets __client_uat for
// example.com, where the app reads it.
func DefaultCookieDomain(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	rest, ok := strings.CutPrefix(host, "clerk.")
	if !ok || !strings.Contains(rest, ".") || net.ParseIP(rest) != nil || strings.HasSuffix(rest, ".localhost") {
		return ""
	}
	return rest
}

// PublicHost is the host[:port] of the public URL.
func (c *Config) PublicHost() string {
	u, _ := url.Parse(c.PublicURL)
	return u.Host
}

// secretVar defines a string flag that may carry a password (a URL with
// credentials). Its value comes from the flag, else the environment variable
// envName, else def; help and usage-error output never show it: the default
// is printed only when it is def, the built-in, not a value from the
// environment.
func secretVar(fs *flag.FlagSet, p *string, name, envName, def, usage string) {
	*p = env(envName, def)
	fs.Var(&secretValue{p: p, def: def}, name, usage)
}

type secretValue struct {
	p   *string
	def string
}

func (s *secretValue) Set(v string) error { *s.p = v; return nil }

// String is what flag's help prints as the default: the built-in default,
// never a value that came from the environment or the command line.
func (s *secretValue) String() string {
	if s == nil || s.p == nil || *s.p != s.def {
		return ""
	}
	return s.def
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}
