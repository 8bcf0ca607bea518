// Command notes is a small web app protected by Gatehouse through the Go
// SDK, reproducing the patterns apps built on Clerk use: a protected
// dashboard, an API with ownership checks, an admin route gated on a
// metadata role in the session claims, a premium route gated on a plan, a
// per-user rate limit, a webhook endpoint that syncs users, and the SSR
// handshake so server-rendered pages stay signed in without JavaScript.
//
//	GATEHOUSE_URL=http://127.0.0.1:8080 GATEHOUSE_SECRET_KEY=sk_live_... \
//	GATEHOUSE_WEBHOOK_SECRET=whsec_... go run ./examples/notes
//
// The webhook secret comes from registering the app's endpoint (the server
// must run with --webhook-allow-private to deliver to a loopback app):
//
//	gatehouse webhooks create --webhook-allow-private --url http://127.0.0.1:3000/webhooks/gatehouse \
//	  --event user.created --event user.updated --event user.deleted
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	cfg := Config{
		Listen:        env("NOTES_LISTEN", "127.0.0.1:3000"),
		GatehouseURL:  strings.TrimSuffix(os.Getenv("GATEHOUSE_URL"), "/"),
		SecretKey:     os.Getenv("GATEHOUSE_SECRET_KEY"),
		WebhookSecret: os.Getenv("GATEHOUSE_WEBHOOK_SECRET"),
	}
	if cfg.GatehouseURL == "" || cfg.SecretKey == "" {
		log.Fatal("set GATEHOUSE_URL and GATEHOUSE_SECRET_KEY")
	}
	app, err := New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: cfg.Listen, Handler: app.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Printf("notes listening on http://%s", cfg.Listen)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
