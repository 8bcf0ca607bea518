package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/keys"
	"github.com/gatehouse/gatehouse/internal/server"
)

const keysUsage = `Usage: gatehouse keys <command> [flags]

  show                 print the instance id, mode, publishable key (pk_test_ in development,
                       pk_live_ in production) and the active public key (PEM)
  rotate               make a new signing key active; the old one stays in the JWKS for 24 h
  create-secret        create a Backend API secret key (printed once; sk_test_ in development)
  list-secrets         list secret keys (hints only)
  revoke-secret ID     revoke a secret key
  gen-encryption-key   print a fresh value for GATEHOUSE_ENCRYPTION_KEY
`

// openApp opens the App with the admin commands' flags (see adminFlags)
// parsed from args.
func openApp(ctx context.Context, name string, args []string, stderr io.Writer, extra func(fs interface {
	StringVar(*string, string, string, string)
})) (*server.App, []string, error) {
	var cfg config.Config
	fs := newFlagSet(name, stderr)
	cfg.Register(fs, adminFlags()...)
	if extra != nil {
		extra(fs)
	}
	if err := parse(fs, args); err != nil {
		return nil, nil, err
	}
	if err := cfg.Finish(); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	cfg.LogLevel = "warn"
	app, err := server.Open(ctx, cfg, server.NewLogger(cfg, stderr))
	if err != nil {
		return nil, nil, err
	}
	return app, fs.Args(), nil
}

// announceBootstrap prints the first secret key when this command created the
// instance: it is shown only once.
func announceBootstrap(app *server.App, w io.Writer) {
	if app.Bootstrap.Created {
		fmt.Fprintf(w, "created instance %s; its first secret key (shown only now): %s\n", app.Instance.ID(), app.Bootstrap.SecretKey)
	}
}

func cmdKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, keysUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub, rest := args[0], args[1:]
	if sub == "gen-encryption-key" {
		fmt.Fprintln(stdout, keys.GenerateEncryptionKey())
		return nil
	}
	switch sub {
	case "show", "rotate", "create-secret", "list-secrets", "revoke-secret":
	default:
		return fmt.Errorf("%w: unknown keys command %q\n%s", errUsage, sub, keysUsage)
	}
	var name string
	app, pos, err := openApp(ctx, "keys "+sub, rest, stderr, func(fs interface {
		StringVar(*string, string, string, string)
	}) {
		if sub == "create-secret" {
			fs.StringVar(&name, "name", "cli", "a label for the key")
		}
	})
	if err != nil {
		return err
	}
	defer app.Close()
	announceBootstrap(app, stderr)
	switch sub {
	case "show":
		_, kid := app.Instance.Signer()
		fmt.Fprintf(stdout, "instance_id: %s\nmode: %s\npublishable_key: %s\ncookie_suffix: %s\nactive_kid: %s\npublished_keys: %d\n\n%s",
			app.Instance.ID(), app.Config.Mode, app.Instance.PublishableKey(), app.Instance.CookieSuffix(), kid,
			len(app.Instance.PublicKeys()), app.Instance.ActivePublicPEM())
	case "rotate":
		kid, err := app.Instance.RotateSigningKey(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new active signing key: %s (other running nodes pick it up within %s)\n", kid, app.Config.ReloadInterval)
	case "create-secret":
		plain, id, err := app.Instance.CreateSecretKey(ctx, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "created secret key %s; it is shown only this once\n", id)
		fmt.Fprintln(stdout, plain)
	case "list-secrets":
		rows, err := app.Instance.ListSecretKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tHINT\tCREATED\tREVOKED")
		for _, r := range rows {
			revoked := "-"
			if r.RevokedAt != nil {
				revoked = time.UnixMilli(*r.RevokedAt).UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t…%s\t%s\t%s\n", r.ID, r.Name, r.Hint, time.UnixMilli(r.CreatedAt).UTC().Format(time.RFC3339), revoked)
		}
		return tw.Flush()
	case "revoke-secret":
		if len(pos) != 1 {
			return fmt.Errorf("%w: keys revoke-secret takes exactly one key id (see keys list-secrets)", errUsage)
		}
		if err := app.Instance.RevokeSecretKey(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %s\n", pos[0])
	}
	return nil
}
