// Command gatehouse is the Gatehouse authentication server and its admin CLI.
//
//	gatehouse serve     run the server (SQLite in ./gatehouse-data by default)
//	gatehouse migrate   apply database migrations and exit
//	gatehouse keys      show keys, rotate the signing key, manage secret keys
//	gatehouse users     create, list, get and delete users
//	gatehouse webhooks  manage webhook endpoints, read the delivery log, replay
//	gatehouse assets    fetch and list the pinned Clerk browser bundles
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gatehouse/gatehouse/internal/config"
)

const usage = `Gatehouse: a self-hosted, Clerk-compatible authentication server.

Usage:
  gatehouse serve   [flags]          run the server
  gatehouse migrate [flags]          apply database migrations and exit
  gatehouse keys    <command> [flags] show | rotate | create-secret | list-secrets | revoke-secret | gen-encryption-key
  gatehouse users   <command> [flags] create | list | get | delete
  gatehouse webhooks <command> [flags] create | list | get | update | delete | secret | rotate-secret |
                                     disable | enable | attempts | replay
  gatehouse assets  <command> [flags] pull | list   (Clerk's browser bundles served at /npm/)
  gatehouse version

Run 'gatehouse <command> -h' for the flags of a command. Every flag can also be
set with a GATEHOUSE_* environment variable (shown in the flag help).
`

// errUsage marks errors caused by bad arguments (exit status 2).
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, args[1:], stdout, stderr)
	case "migrate":
		err = cmdMigrate(ctx, args[1:], stdout, stderr)
	case "keys":
		err = cmdKeys(ctx, args[1:], stdout, stderr)
	case "users":
		err = cmdUsers(ctx, args[1:], stdout, stderr)
	case "webhooks":
		err = cmdWebhooks(ctx, args[1:], stdout, stderr)
	case "assets":
		err = cmdAssets(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "gatehouse", version)
		return 0
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "gatehouse: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "gatehouse:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "gatehouse:", err)
		return 1
	}
}

var version = "dev"

// adminFlags are the flag groups of the admin commands (keys, users,
// webhooks): where the database is, and the instance it holds (the public URL
// is in the publishable key, the mode in the key prefixes), plus extra. Their
// other settings still come from GATEHOUSE_* variables.
func adminFlags(extra ...config.Group) []config.Group {
	return append([]config.Group{config.Storage, config.Instance, config.Logging}, extra...)
}

// newFlagSet returns a FlagSet that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args, wrapping parse errors as usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %s %v", errUsage, fs.Name(), err)
	}
	return nil
}
