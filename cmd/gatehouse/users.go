package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gatehouse"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/users"
	"github.com/gatehouse/gatehouse/internal/wire"
)

const usersUsage = `Usage: gatehouse users <command> [flags] [args]

  create --email a@b.c [--password-stdin] [--first-name X] [--last-name Y] [--username U] [--public-metadata JSON]
  list   [--query Q] [--email E] [--limit N] [--offset N] [--json]
  get    USER_ID           print the user as Backend API JSON
  delete USER_ID

Flags come before positional arguments. The password is read from standard
input (--password-stdin) so it never appears in the process list or shell history.
`

func cmdUsers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usersUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub, rest := args[0], args[1:]
	var cfg config.Config
	fs := newFlagSet("users "+sub, stderr)
	cfg.Register(fs, adminFlags(config.Passwords)...) // --hibp: new passwords
	var (
		email, first, last, username, meta, query string
		pwStdin, asJSON                           bool
		limit, offset                             int
		emails                                    multiFlag
	)
	switch sub {
	case "create":
		fs.Var(&emails, "email", "email address (repeatable)")
		fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from standard input")
		fs.StringVar(&first, "first-name", "", "first name")
		fs.StringVar(&last, "last-name", "", "last name")
		fs.StringVar(&username, "username", "", "username")
		fs.StringVar(&meta, "public-metadata", "", "public metadata as a JSON object")
	case "list":
		fs.StringVar(&query, "query", "", "case-insensitive search in ids, names, usernames and emails")
		fs.StringVar(&email, "email", "", "exact email address")
		fs.IntVar(&limit, "limit", 20, "at most this many users (1-500)")
		fs.IntVar(&offset, "offset", 0, "skip this many users")
		fs.BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	case "get", "delete":
	default:
		return fmt.Errorf("%w: unknown users command %q\n%s", errUsage, sub, usersUsage)
	}
	if err := parse(fs, rest); err != nil {
		return err
	}
	if err := cfg.Finish(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if (sub == "get" || sub == "delete") && fs.NArg() != 1 {
		return fmt.Errorf("%w: users %s takes exactly one user id", errUsage, sub)
	}
	if sub == "list" && (limit < 1 || limit > 500 || offset < 0) {
		return fmt.Errorf("%w: --limit must be 1-500 and --offset 0 or more", errUsage)
	}
	var p users.CreateParams
	if sub == "create" {
		if len(emails) == 0 && username == "" {
			return fmt.Errorf("%w: users create needs --email or --username", errUsage)
		}
		p = users.CreateParams{EmailAddresses: emails, Verified: true}
		if first != "" {
			p.FirstName = &first
		}
		if last != "" {
			p.LastName = &last
		}
		if username != "" {
			p.Username = &username
		}
		if meta != "" {
			if err := json.Unmarshal([]byte(meta), &p.PublicMetadata); err != nil {
				return fmt.Errorf("%w: --public-metadata must be a JSON object: %v", errUsage, err)
			}
		}
		if pwStdin {
			pw, err := readPassword(stdinReader)
			if err != nil {
				return err
			}
			p.Password = &pw
		}
	}
	cfg.LogLevel = "warn"
	app, err := server.Open(ctx, cfg, server.NewLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer app.Close()
	announceBootstrap(app, stderr)
	render := func(u *gatehouse.User) error {
		b, err := json.MarshalIndent(wire.NewUser(u, wire.UserOptions{Private: true, Now: time.Now()}), "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, string(b))
		return err
	}
	switch sub {
	case "create":
		u, err := app.Users.Create(ctx, p)
		if err != nil {
			return err
		}
		return render(u)
	case "get":
		u, err := app.Users.Get(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		return render(u)
	case "delete":
		if err := app.Users.Delete(ctx, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted %s\n", fs.Arg(0))
		return nil
	}
	f := store.UserFilter{Query: query, Limit: limit, Offset: offset}
	if email != "" {
		f.EmailAddresses = []string{email}
	}
	list, err := app.Users.List(ctx, f)
	if err != nil {
		return err
	}
	total, err := app.Users.Count(ctx, f)
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]wire.User, len(list))
		for i, u := range list {
			out[i] = wire.NewUser(u, wire.UserOptions{Private: true, Now: time.Now()})
		}
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tCREATED\tSTATE")
	for _, u := range list {
		primary, _ := u.PrimaryEmail()
		state := []string{}
		if u.Banned {
			state = append(state, "banned")
		}
		if locked, _ := users.IsLocked(u, time.Now()); locked {
			state = append(state, "locked")
		}
		name := strings.TrimSpace(deref(u.FirstName) + " " + deref(u.LastName))
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.ID, primary.Value, name, time.UnixMilli(u.CreatedAt).UTC().Format(time.RFC3339), strings.Join(state, ","))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d of %d users\n", len(list), total)
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

var _ flag.Value = (*multiFlag)(nil)

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
