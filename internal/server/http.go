package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/assets"
	"github.com/gatehouse/gatehouse/internal/bapi"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/fapi"
	"github.com/gatehouse/gatehouse/internal/httpx"
	"github.com/gatehouse/gatehouse/internal/pages"
)

// fapi.API is what the hosted pages share the client handling with.
var _ pages.Clients = (*fapi.API)(nil)

// Handler builds the public listener's handler: the Backend API under
// /api/v1 (unless it has its own listener), health endpoints, and later the
// Frontend API and hosted pages.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	if a.Config.BAPIListen == "" {
		mux.Handle("/api/v1/", http.StripPrefix("/api/v1", a.bapi().Handler()))
	}
	api := fapi.New(fapi.Options{Instance: a.Instance, Users: a.Users, Sessions: a.Sessions, Flow: a.Flow,
		Clock: a.Clock, PublicURL: a.Config.PublicURL, Dev: a.Config.Mode == config.ModeDevelopment, Limits: a.Limits,
		CookieDomain: a.Config.CookieDomain})
	front := api.Handler()
	mux.Handle("/v1/", front)
	mux.Handle("/.well-known/", front)
	// The hosted pages: docs/design-pages.md.
	hosted := pages.New(pages.Options{Clients: api, Instance: a.Instance, Users: a.Users, Sessions: a.Sessions, Flow: a.Flow,
		Clock: a.Clock, PublicURL: a.Config.PublicURL, Limits: a.Limits}).Handler()
	for _, p := range []string{"/sign-in", "/sign-in/", "/sign-up", "/sign-up/", "/user", "/user/", "/sign-out"} {
		mux.Handle(p, hosted)
	}
	mux.Handle(assets.Prefix, a.Assets.Handler()) // clerk-js and @clerk/ui bundles: docs/nextjs.md
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", a.ready)
	mux.Handle("/", httpx.NotFoundHandler())
	https := strings.HasPrefix(a.Config.PublicURL, "https://")
	return httpx.Observe(a.Log, "public", a.Config.TrustedProxies)(httpx.SecurityHeaders(https)(mux))
}

// BAPIHandler serves only the Backend API at /v1 (for --bapi-listen).
func (a *App) BAPIHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/v1/", http.StripPrefix("/v1", a.bapi().Handler()))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("/", httpx.NotFoundHandler())
	return httpx.Observe(a.Log, "bapi", a.Config.TrustedProxies)(httpx.SecurityHeaders(false)(mux))
}

func (a *App) bapi() *bapi.API {
	return bapi.New(bapi.Options{Instance: a.Instance, Users: a.Users, Sessions: a.Sessions, Webhooks: a.Webhooks, Clock: a.Clock, Limits: a.Limits, Audit: a.Audit,
		PublicURL: a.Config.PublicURL})
}

func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.Store.Ping(ctx); err != nil {
		httpx.Logger(r.Context()).Warn("not ready", "error", err.Error())
		httpx.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database"})
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// newHTTPServer bounds what one connection may hold: its request headers
// must arrive within ReadHeaderTimeout (a slow "slowloris" client is cut
// off), a keep-alive connection idles at most IdleTimeout, and headers are
// at most 64 KiB.
func newHTTPServer(h http.Handler, c config.Config, log *slog.Logger) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: c.ReadHeaderTimeout, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: c.IdleTimeout, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
}

// listen opens a public-facing listener with the per-client connection cap.
func (a *App) listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return limitPerIP(ln, a.Config.MaxConnsPerIP, a.Config.TrustedProxies, func(client netip.Addr) {
		a.Log.Warn("connection refused: client at --max-conns-per-ip", "client", client.String(), "max", a.Config.MaxConnsPerIP, "listener", addr)
	}), nil
}

// Serve listens on the configured addresses and serves until ctx is done,
// then drains in-flight requests for up to ShutdownGrace. ready, if not nil,
// is called with the bound addresses once listening.
func (a *App) Serve(ctx context.Context, ready func(public, bapi net.Addr)) error {
	ln, err := a.listen(a.Config.Listen)
	if err != nil {
		return err
	}
	handler := a.Handler()
	var stats *requestStats
	if a.Config.DebugListen != "" {
		stats = newRequestStats(a.Store)
		handler = stats.wrap(handler)
	}
	servers := []*http.Server{newHTTPServer(handler, a.Config, a.Log)}
	listeners := []net.Listener{ln}
	var bapiAddr net.Addr
	if a.Config.BAPIListen != "" {
		bl, err := a.listen(a.Config.BAPIListen)
		if err != nil {
			ln.Close()
			return err
		}
		servers = append(servers, newHTTPServer(a.BAPIHandler(), a.Config, a.Log))
		listeners = append(listeners, bl)
		bapiAddr = bl.Addr()
	}
	if a.Config.DebugListen != "" {
		dl, err := net.Listen("tcp", a.Config.DebugListen)
		if err != nil {
			for _, l := range listeners {
				l.Close()
			}
			return fmt.Errorf("listen on %s: %w", a.Config.DebugListen, err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		mux.Handle("/debug/store", stats) // statements and write transactions per request kind
		servers = append(servers, &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second})
		listeners = append(listeners, dl)
	}
	bg, stopBG := context.WithCancel(context.Background())
	defer stopBG()
	go a.Instance.Run(bg, a.Config.ReloadInterval, func(err error) { a.Log.Warn("instance reload failed", "error", err.Error()) })
	dispatched := make(chan struct{})
	go func() { defer close(dispatched); a.Dispatch.Run(bg) }()
	defer func() { stopBG(); <-dispatched }()

	errc := make(chan error, len(servers))
	for i, s := range servers {
		go func() {
			if err := s.Serve(listeners[i]); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	if ready != nil {
		ready(ln.Addr(), bapiAddr)
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	a.Log.Info("shutting down", "grace", a.Config.ShutdownGrace.String())
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownGrace)
	defer cancel()
	var errs []error
	for _, s := range servers {
		errs = append(errs, s.Shutdown(sctx))
	}
	return errors.Join(errs...)
}
