package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/gatehouse/gatehouse/internal/assets"
	"github.com/gatehouse/gatehouse/internal/config"
)

const assetsUsage = `Usage: gatehouse assets <command> [flags]

  pull   fetch the pinned Clerk browser bundles (clerk-js, @clerk/ui), verify their
         sha512 against the pins and unpack them into <data-dir>/assets, so the server
         never fetches at run time (use --clerk-js-dir to pull from npm pack tarballs)
  list   show the pinned versions and whether each is cached
`

func cmdAssets(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, assetsUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	var cfg config.Config
	fs := newFlagSet("assets "+args[0], stderr)
	cfg.Register(fs, config.Storage, config.Assets)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: assets %s takes no arguments", errUsage, args[0])
	}
	st := assets.New(cfg.AssetOptions(nil))
	switch args[0] {
	case "pull":
		if err := st.Pull(ctx, func(line string) { fmt.Fprintln(stdout, line) }); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "all %d bundles cached in %s\n", len(st.Packages()), filepath.Join(cfg.DataDir, "assets"))
		return nil
	case "list":
		status := st.Status()
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PACKAGE\tVERSION\tCACHED\tINTEGRITY")
		for _, p := range st.Packages() {
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\n", p.Name, p.Version, status[p], p.Integrity)
		}
		return tw.Flush()
	default:
		return fmt.Errorf("%w: unknown assets command %q\n\n%s", errUsage, args[0], assetsUsage)
	}
}
