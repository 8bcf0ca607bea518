package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/store"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config.Config
	fs := newFlagSet("serve", stderr)
	cfg.Register(fs, config.All()...)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: serve takes no arguments, got %q", errUsage, fs.Args())
	}
	if err := cfg.Finish(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	start := time.Now()
	log := server.NewLogger(cfg, stderr)
	app, err := server.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer app.Close()
	if app.Bootstrap.Created {
		fmt.Fprintf(stdout, `
Gatehouse instance %s created.
  publishable_key: %s
  secret_key: %s
The secret key is shown only this once; store it now (e.g. as CLERK_SECRET_KEY).
Create more with: gatehouse keys create-secret

`, app.Instance.ID(), app.Instance.PublishableKey(), app.Bootstrap.SecretKey)
	}
	return app.Serve(ctx, func(pub, bapi net.Addr) {
		attrs := []any{"address", pub.String(), "public_url", cfg.PublicURL, "database", app.Store.String(),
			"mode", cfg.Mode, "instance_id", app.Instance.ID(), "publishable_key", app.Instance.PublishableKey(),
			"startup", time.Since(start).Round(time.Millisecond).String()}
		if bapi != nil {
			attrs = append(attrs, "bapi_address", bapi.String())
		}
		log.Info("gatehouse ready", attrs...)
	})
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config.Config
	fs := newFlagSet("migrate", stderr)
	cfg.Register(fs, config.Storage)
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir})
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := st.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", st, err)
	}
	for _, name := range res.Applied {
		fmt.Fprintf(stdout, "applied %s\n", name)
	}
	fmt.Fprintf(stdout, "%s is at schema version %d\n", st, res.To)
	return nil
}
