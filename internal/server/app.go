package server

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/assets"
	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/flow"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/httpx"
	"github.com/gatehouse/gatehouse/internal/instance"
	"github.com/gatehouse/gatehouse/internal/keys"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/users"
	"github.com/gatehouse/gatehouse/internal/webhook"
)

// App is a running Gatehouse's services, shared by serve and the CLI.
type App struct {
	Config    config.Config
	Log       *slog.Logger
	Clock     gatehouse.Clock
	Store     *store.Store
	Instance  *instance.Manager
	Users     *users.Service
	Hasher    *password.Hasher
	Sessions  *session.Service
	Flow      *flow.Engine
	Mail      *mail.CodeMailer
	Webhooks  *webhook.Service
	Dispatch  *webhook.Dispatcher
	Bootstrap instance.Bootstrap
	Limits    *ratelimit.Policy // nil when --rate-limits off
	Audit     *audit.Log
	Assets    *assets.Store // Clerk's browser bundles, served at /npm/
	redis     *ratelimit.Redis
}

// NewLogger builds the slog logger the config asks for.
func NewLogger(c config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// OpenStore opens and migrates the database named by c.
func OpenStore(ctx context.Context, c config.Config, log *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, store.Options{DatabaseURL: c.DatabaseURL, DataDir: c.DataDir})
	if err != nil {
		return nil, err
	}
	warnOpenDataDirs(log, c.DataDir, st.Path())
	res, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate %s: %w", st, err)
	}
	if len(res.Applied) > 0 && log != nil {
		log.Info("database migrated", "database", st.String(), "from", res.From, "to", res.To, "applied", strings.Join(res.Applied, ","))
	}
	return st, nil
}

// Open builds the App: store (migrated), encryption key, instance (created on
// first start) and services.
func Open(ctx context.Context, c config.Config, log *slog.Logger) (*App, error) {
	st, err := OpenStore(ctx, c, log)
	if err != nil {
		return nil, err
	}
	app, err := openWithStore(ctx, c, log, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	return app, nil
}

func openWithStore(ctx context.Context, c config.Config, log *slog.Logger, st *store.Store) (*App, error) {
	key, err := encryptionKey(c, log)
	if err != nil {
		return nil, err
	}
	sealer, err := keys.NewSealer(key)
	if err != nil {
		return nil, err
	}
	var clock gatehouse.Clock = gatehouse.SystemClock{}
	if c.Clock != nil {
		clock = c.Clock
	}
	auditLog := audit.New(audit.Options{Store: st, Clock: clock, Logger: log})
	mgr, boot, err := instance.Open(ctx, instance.Options{Store: st, Sealer: sealer, Clock: clock, PublicHost: c.PublicHost(),
		Development: c.Mode == config.ModeDevelopment, Audit: auditLog})
	if err != nil {
		return nil, err
	}
	// Waiting hashes are served client by client.
	hasher := password.New(password.Options{Params: password.DefaultParams, Concurrency: runtime.NumCPU(), Caller: httpx.RateKeyOf})
	var sender mail.Sender = mail.Log{Logger: log}
	if c.SMTPURL != "" {
		smtpSender, err := mail.NewSMTP(c.SMTPURL, c.MailFrom, nil)
		if err != nil {
			return nil, fmt.Errorf("--smtp-url: %w", err)
		}
		sender = smtpSender
	}
	if c.MailSender != nil {
		sender = c.MailSender
	}
	mailer := mail.NewCodeMailer(mail.CodeMailerOptions{Sender: sender, AppName: func() string { return mgr.Settings().ApplicationName }})
	logger := log
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	disp := webhook.NewDispatcher(webhook.DispatcherOptions{Store: st, Sealer: sealer, Clock: clock, Log: logger,
		AllowPrivate: c.WebhookAllowPrivate, Lease: c.WebhookLease, Timeout: min(15*time.Second, c.WebhookLease/2)})
	if c.WebhookAllowPrivate && c.Mode == config.ModeProduction {
		logger.Warn("webhook endpoints may point at loopback and private addresses (--webhook-allow-private); the SSRF guard is off")
	}
	wh := webhook.New(webhook.Options{Store: st, Sealer: sealer, Clock: clock, AllowPrivate: c.WebhookAllowPrivate, Dispatcher: disp})
	outbox := webhook.NewOutbox(webhook.OutboxOptions{InstanceID: mgr.ID, Clock: clock, PublicURL: c.PublicURL, Notify: disp.Wake})
	uo := users.Options{Store: st, Hasher: hasher, Clock: clock, Settings: mgr.Settings, Events: outbox, Audit: auditLog}
	if c.HIBP {
		uo.Pwned = &password.Pwned{RangeURL: c.HIBPURL}
		uo.OnPwnedError = func(err error) {
			if log != nil {
				log.Warn("breached-password check unavailable; accepting the password (the common-password list still applied)", "error", err.Error())
			}
		}
	}
	us := users.New(uo)
	ss := session.New(session.Options{Store: st, Instance: mgr, Clock: clock, Issuer: c.Issuer, PublicURL: c.PublicURL,
		Events: outbox, Audit: auditLog})
	if c.Mode == config.ModeProduction {
		// Dev-browser tokens are development credentials: none survive a
		// switch to production (the FAPI ignores them there anyway).
		if n, err := ss.ClearDevBrowsers(ctx); err != nil {
			return nil, fmt.Errorf("clear dev browsers: %w", err)
		} else if n > 0 && log != nil {
			log.Info("production mode: deleted the development instance's dev browsers", "count", n)
		}
	}
	// The phantom-id key is derived from the encryption key (never stored),
	// so every node and every restart derives the same one.
	phantomKey, err := hkdf.Key(sha256.New, key, []byte(mgr.ID()), "gatehouse phantom identification ids v1", 32)
	if err != nil {
		return nil, err
	}
	var limits *ratelimit.Policy
	var redis *ratelimit.Redis
	var mailGate func(context.Context, string) error
	if c.RateLimits != "off" {
		var limiter ratelimit.Limiter = ratelimit.NewMemory()
		if c.Limiter != nil {
			limiter = c.Limiter
		} else if c.RedisURL != "" {
			rl, err := ratelimit.NewRedis(ctx, c.RedisURL)
			if err != nil {
				return nil, fmt.Errorf("--redis-url: %w", err)
			}
			redis, limiter = rl, rl
		}
		limits = ratelimit.New(ratelimit.Options{Limiter: limiter, Trusted: c.TrustedProxies, Log: logger})
		mailGate = limits.CodeMail
	} else if c.Mode == config.ModeProduction {
		logger.Warn("rate limits are off (--rate-limits off): sign-in and sign-up are open to brute force")
	}
	fl := flow.New(flow.Options{Store: st, Users: us, Sessions: ss, Clock: clock, Mailer: mailer,
		Dev: c.Mode == config.ModeDevelopment, Settings: mgr.Settings, Events: outbox, Audit: auditLog,
		PhantomKey: phantomKey, InstanceCreatedAt: mgr.CreatedAt(), MailGate: mailGate})
	app := &App{Config: c, Log: log, Clock: clock, Store: st, Instance: mgr, Hasher: hasher, Bootstrap: boot,
		Users: us, Sessions: ss, Flow: fl, Mail: mailer, Webhooks: wh, Dispatch: disp, Audit: auditLog,
		Assets: assets.New(c.AssetOptions(logger)), Limits: limits, redis: redis}
	return app, nil
}

// Close releases the App's resources.
func (a *App) Close() error {
	if a.redis != nil {
		a.redis.Close()
	}
	return a.Store.Close()
}

// encryptionKey returns the deployment encryption key: from the environment,
// or in development mode from <data-dir>/encryption.key (created if absent).
func encryptionKey(c config.Config, log *slog.Logger) ([]byte, error) {
	if c.EncryptionKey != "" {
		k, err := keys.ParseEncryptionKey(c.EncryptionKey)
		if err != nil {
			return nil, fmt.Errorf("GATEHOUSE_ENCRYPTION_KEY: %w", err)
		}
		return k, nil
	}
	if c.Mode == config.ModeProduction {
		return nil, errors.New("production mode needs GATEHOUSE_ENCRYPTION_KEY")
	}
	path := filepath.Join(c.DataDir, "encryption.key")
	if b, err := os.ReadFile(path); err == nil {
		k, err := keys.ParseEncryptionKey(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return k, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	enc := keys.GenerateEncryptionKey()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return encryptionKey(c, log) // another process created it first
	}
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.WriteString(enc + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if log != nil {
		log.Warn("development mode: generated an encryption key for signing keys at rest; set GATEHOUSE_ENCRYPTION_KEY in production", "path", path)
	}
	return keys.ParseEncryptionKey(enc)
}
