package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/webhook"
)

const webhooksUsage = `Usage: gatehouse webhooks <command> [flags] [args]

  create  --url URL [--event TYPE]... [--description D]   prints the endpoint with its whsec_ secret
  list    [--json]
  get     ENDPOINT_ID
  update  [--url URL] [--event TYPE]... [--all-events] [--description D] ENDPOINT_ID
  delete  ENDPOINT_ID
  secret  ENDPOINT_ID             print the signing secret
  rotate-secret ENDPOINT_ID       replace the signing secret (prints the new one)
  disable ENDPOINT_ID             pause deliveries (they wait; enable resumes them)
  enable  ENDPOINT_ID
  attempts [--endpoint ID] [--message ID] [--limit N] [--json]   the delivery log, newest first
  replay  --message MSG_ID [--endpoint ID]   send one message again
  replay  --endpoint ID --since TIME         send everything since TIME again
                                             (RFC 3339, e.g. 2026-11-23T10:00:00Z, or an age such as 2h)

Event types: ` + "user.created user.updated user.deleted session.created session.ended session.removed session.revoked email.created" + `
Without --event an endpoint receives every event. Flags come before positional arguments.
`

func cmdWebhooks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, webhooksUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub, rest := args[0], args[1:]
	var cfg config.Config
	fs := newFlagSet("webhooks "+sub, stderr)
	cfg.Register(fs, adminFlags(config.Webhooks)...) // --webhook-allow-private: endpoint URLs
	var (
		url, desc, endpoint, message, since string
		events                              multiFlag
		allEvents, asJSON                   bool
		limit                               int
	)
	nargs := 1
	switch sub {
	case "create", "update":
		fs.StringVar(&url, "url", "", "endpoint URL (http or https)")
		fs.Var(&events, "event", "event type to deliver (repeatable; default every event)")
		fs.StringVar(&desc, "description", "", "description")
		if sub == "update" {
			fs.BoolVar(&allEvents, "all-events", false, "deliver every event type (clears --event filters)")
		} else {
			nargs = 0
		}
	case "list":
		fs.BoolVar(&asJSON, "json", false, "print JSON instead of a table")
		nargs = 0
	case "attempts":
		fs.StringVar(&endpoint, "endpoint", "", "only this endpoint")
		fs.StringVar(&message, "message", "", "only this message")
		fs.IntVar(&limit, "limit", 50, "at most this many attempts (1-500)")
		fs.BoolVar(&asJSON, "json", false, "print JSON instead of a table")
		nargs = 0
	case "replay":
		fs.StringVar(&endpoint, "endpoint", "", "endpoint id")
		fs.StringVar(&message, "message", "", "message id (msg_...) to send again")
		fs.StringVar(&since, "since", "", "send every message since this time again (RFC 3339 or an age like 2h)")
		nargs = 0
	case "get", "delete", "secret", "rotate-secret", "disable", "enable":
	default:
		return fmt.Errorf("%w: unknown webhooks command %q\n%s", errUsage, sub, webhooksUsage)
	}
	if err := parse(fs, rest); err != nil {
		return err
	}
	if err := cfg.Finish(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() != nargs {
		if nargs == 1 {
			return fmt.Errorf("%w: webhooks %s takes exactly one endpoint id (flags first)", errUsage, sub)
		}
		return fmt.Errorf("%w: webhooks %s takes no positional arguments", errUsage, sub)
	}
	if sub == "create" && url == "" {
		return fmt.Errorf("%w: webhooks create needs --url", errUsage)
	}
	if sub == "attempts" && (limit < 1 || limit > 500) {
		return fmt.Errorf("%w: --limit must be 1-500", errUsage)
	}
	if allEvents && len(events) > 0 {
		return fmt.Errorf("%w: --all-events and --event exclude each other", errUsage)
	}
	var sinceMS int64
	if sub == "replay" {
		switch {
		case message != "" && since != "":
			return fmt.Errorf("%w: replay takes --message or --since, not both", errUsage)
		case message == "" && since == "":
			return fmt.Errorf("%w: replay needs --message MSG_ID or --endpoint ID --since TIME", errUsage)
		case since != "" && endpoint == "":
			return fmt.Errorf("%w: replay --since needs --endpoint", errUsage)
		case since != "":
			t, err := parseSince(since, time.Now())
			if err != nil {
				return fmt.Errorf("%w: %v", errUsage, err)
			}
			sinceMS = t.UnixMilli()
		}
	}
	var p webhook.EndpointParams
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "url":
			p.URL = &url
		case "description":
			p.Description = &desc
		}
	})
	if len(events) > 0 {
		ev := []string(events)
		p.EventTypes = &ev
	} else if allEvents {
		p.EventTypes = &[]string{}
	}

	cfg.LogLevel = "warn"
	app, err := server.Open(ctx, cfg, server.NewLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer app.Close()
	announceBootstrap(app, stderr)
	wh := app.Webhooks
	show := func(e *webhook.Endpoint, withSecret bool) error {
		return printJSON(stdout, webhook.EndpointOut(e, withSecret))
	}
	id := fs.Arg(0)
	switch sub {
	case "create":
		e, err := wh.Create(ctx, p)
		if err != nil {
			return err
		}
		fmt.Fprintln(stderr, "Store the secret in your app (it verifies the svix-signature header); `gatehouse webhooks secret` shows it again.")
		return show(e, true)
	case "get":
		e, err := wh.Get(ctx, id)
		if err != nil {
			return err
		}
		return show(e, false)
	case "secret":
		e, err := wh.Get(ctx, id)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, e.Secret)
		return err
	case "update", "rotate-secret", "disable", "enable":
		if sub == "disable" || sub == "enable" {
			d := sub == "disable"
			p.Disabled = &d
		}
		e, err := wh.Update(ctx, id, p, sub == "rotate-secret")
		if err != nil {
			return err
		}
		return show(e, sub == "rotate-secret")
	case "delete":
		if err := wh.Delete(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted %s\n", id)
		return nil
	case "replay":
		var n int
		if message != "" {
			n, err = wh.ReplayMessage(ctx, message, endpoint)
		} else {
			n, err = wh.ReplaySince(ctx, endpoint, sinceMS)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "queued %d deliveries; a running server sends them within a second\n", n)
		return nil
	case "list":
		list, err := wh.List(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			out := make([]webhook.EndpointJSON, len(list))
			for i, e := range list {
				out[i] = webhook.EndpointOut(e, false)
			}
			return printJSON(stdout, out)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tURL\tEVENTS\tSTATE\tDESCRIPTION")
		for _, e := range list {
			state := "enabled"
			if e.Disabled {
				state = "disabled"
			} else if e.FailingSince != nil {
				state = "failing since " + time.UnixMilli(*e.FailingSince).UTC().Format(time.RFC3339)
			}
			ev := strings.Join(e.EventTypes, ",")
			if ev == "" {
				ev = "all"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.ID, e.URL, ev, state, e.Description)
		}
		return tw.Flush()
	}
	// attempts
	list, err := wh.Attempts(ctx, endpoint, message, limit)
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]webhook.AttemptJSON, len(list))
		for i, a := range list {
			out[i] = webhook.AttemptOut(a)
		}
		return printJSON(stdout, out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tMESSAGE\tEVENT\tENDPOINT\tSTATUS\tLATENCY\tDELIVERY\tERROR")
	for _, a := range list {
		code := strconv.Itoa(a.StatusCode)
		if a.StatusCode == 0 {
			code = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%dms\t%s\t%s\n", time.UnixMilli(a.CreatedAt).UTC().Format(time.RFC3339), a.MessageID,
			a.EventType, a.EndpointID, code, a.LatencyMS, a.Status, a.Error)
	}
	return tw.Flush()
}

// parseSince accepts RFC 3339 or an age such as 90m.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want RFC 3339 (2026-11-23T10:00:00Z) or an age such as 2h", s)
}

func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}
