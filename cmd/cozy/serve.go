package main

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/cozypi/cozy/appliance/systemd"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/stack"
	"github.com/cozypi/cozy/web"
	"github.com/cozypi/cozy/web/admin"
	"github.com/spf13/cobra"
)

func newServeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Starts the server and listens for HTTP calls",
		Long: `Starts the server: the public API and apps on --host:--port, the admin API
on --admin-host:--admin-port. SIGTERM or SIGINT stop it gracefully: requests
in flight finish (within two minutes) and the stores close cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return serve(ctx, cfg)
		},
	}
}

// newHasher bounds concurrent passphrase hashes to half the cores: each
// takes 19 MiB, and a Pi has four cores and little memory.
func newHasher() *passhash.Hasher {
	return passhash.New(passhash.Default, max(1, runtime.NumCPU()/2))
}

// adminSecretFile finds the hashed admin passphrase written by `cozy config passwd`.
func adminSecretFile(cfg *config.Config) string {
	if cfg.AdminSecretFile != "" {
		return cfg.AdminSecretFile
	}
	for _, dir := range config.SearchDirs() {
		p := filepath.Join(dir, "cozy-admin-passphrase")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func serve(ctx context.Context, cfg *config.Config) error {
	start := time.Now()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.SlogLevel()}))
	slog.SetDefault(log)
	dataDir, err := cfg.DataDir()
	if err != nil {
		return err
	}
	hasher := newHasher()
	instances, err := instance.Open(dataDir, hasher, log)
	if err != nil {
		return err
	}
	defer instances.Close()

	if cfg.Dev && cfg.DevDomain != "" && len(instances.List()) == 0 {
		inst, err := instances.Create(ctx, instance.Options{Domain: cfg.DevDomain, PublicName: "Me"})
		if err != nil {
			return fmt.Errorf("create the development instance: %w", err)
		}
		fmt.Fprintf(os.Stderr, "Created the development instance %s.\n", inst.Domain)
	}

	guard := &admin.Guard{Dev: cfg.Dev, Passphrase: os.Getenv("COZY_ADMIN_PASSPHRASE"), HashFile: adminSecretFile(cfg), Hasher: hasher}
	if !cfg.Dev && guard.Passphrase == "" && guard.HashFile == "" {
		log.Warn("no admin passphrase configured: the admin API refuses every request; run `cozy config passwd` or set COZY_ADMIN_PASSPHRASE")
	}
	// The services are built once, here; a configuration error stops the
	// start instead of answering 500s later. They stop (and wait for
	// their background work) after the listeners, before the instances.
	var opts []stack.Option
	var boxRT *boxRuntime
	if cfg.Box.Enabled {
		if boxRT, err = openBoxCerts(dataDir, cfg.Box.ACME, log); err != nil {
			return err
		}
		defer boxRT.Close() // after the stack: the box's state reads the certificates
		opts = append(opts, stack.WithCertificates(boxRT.certs))
	}
	st, err := stack.New(cfg, instances, log, opts...)
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := web.New(st, guard)
	if err != nil {
		return err
	}
	st.Resume(ctx) // triggers and queued jobs of every instance run again

	sockets, err := systemd.ActivatedSockets()
	if err != nil {
		return err
	}
	defer sockets.Close() // those not taken (a disabled LAN DNS)
	publicLn, err := systemd.Listen(sockets.Listeners, "http", cfg.ServerAddr())
	if err != nil {
		return err
	}
	adminLn, err := systemd.Listen(sockets.Listeners, "admin", cfg.AdminAddr())
	if err != nil {
		publicLn.Close()
		return err
	}
	servers := []*http.Server{newHTTPServer(srv.Handler(), log), newHTTPServer(srv.AdminHandler(), log)}
	listeners := []net.Listener{publicLn, adminLn}
	if boxRT != nil {
		// HTTPS serves whatever certificates the household's choice got
		// (none yet: handshakes fail until then, HTTP stays open).
		ln, err := systemd.Listen(sockets.Listeners, "https", cfg.BoxHTTPSAddr())
		if err != nil {
			publicLn.Close()
			adminLn.Close()
			return err
		}
		servers = append(servers, newHTTPServer(srv.Handler(), log))
		listeners = append(listeners, tls.NewListener(ln, boxRT.certs.TLSConfig()))
		if err := boxRT.startLAN(ctx, st, sockets, ln.Addr().(*net.TCPAddr).Port); err != nil {
			for _, l := range listeners {
				l.Close()
			}
			return err
		}
		defer boxRT.stopLAN()
	}
	errc := make(chan error, len(servers))
	for i := range servers {
		go func() { errc <- servers[i].Serve(listeners[i]) }()
	}

	log.Info("cozy is ready", "public", publicLn.Addr().String(), "admin", adminLn.Addr().String(),
		"instances", len(instances.List()), "startup", time.Since(start).Round(time.Microsecond))
	printWelcome(os.Stderr, publicLn.Addr(), instances)
	if err := systemd.Ready("serving on " + publicLn.Addr().String()); err != nil {
		log.Warn("systemd notify failed", "error", err)
	}
	wdCtx, cancelWD := context.WithCancel(ctx)
	defer cancelWD()
	go systemd.Watchdog(wdCtx, log, nil)

	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			log.Error("listener failed", "error", err)
		}
	}
	log.Info("stopping: waiting for requests in flight")
	_ = systemd.Stopping()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	for _, s := range servers {
		errs = append(errs, s.Shutdown(shutdownCtx))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("graceful stop: %w", err)
	}
	log.Info("stopped")
	return nil
}

func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 20 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// printWelcome tells a person at the terminal where the server is and how
// to log in. The instances' links come from their public settings, which
// web.New has set from the configuration.
func printWelcome(w io.Writer, addr net.Addr, instances *instance.Manager) {
	all := instances.List()
	if len(all) == 0 {
		fmt.Fprintf(w, "\nNo instance yet. Create one with:\n  cozy instances add --passphrase <passphrase> <domain>\n\n")
		return
	}
	fmt.Fprintln(w)
	for _, inst := range all {
		fmt.Fprintf(w, "Instance %s\n  URL: %s\n", inst.Domain, inst.URL())
		if len(inst.RegisterToken) > 0 {
			fmt.Fprintf(w, "  Finish onboarding (choose a passphrase) at:\n    %s\n", registrationLink(inst, hex.EncodeToString(inst.RegisterToken)))
			fmt.Fprintf(w, "  or set it from a shell:\n    cozy instances set-passphrase %s <passphrase>\n", inst.Domain)
		} else {
			fmt.Fprintf(w, "  Log in with the instance's passphrase.\n")
		}
		fmt.Fprintf(w, "  API token for scripts:\n    cozy instances token-cli %s io.cozy.files\n", inst.Domain)
	}
	// The listener itself, which serves plain HTTP (TLS ends in front of it).
	fmt.Fprintf(w, "Server status: http://%s/status\n\n", addr)
}
