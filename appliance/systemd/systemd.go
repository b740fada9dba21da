// Package systemd connects the server to systemd when it runs under it:
// readiness and stopping notifications, the watchdog, and socket
// activation. Outside systemd every function is a harmless no-op, so the
// same binary runs from a shell, in tests and on the appliance.
package systemd

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/coreos/go-systemd/v22/activation"
	"github.com/coreos/go-systemd/v22/daemon"
)

// Ready tells systemd that the server serves, with a status line.
func Ready(status string) error {
	_, err := daemon.SdNotify(false, daemon.SdNotifyReady+"\nSTATUS="+status)
	return err
}

// Stopping tells systemd that a graceful stop began.
func Stopping() error {
	_, err := daemon.SdNotify(false, daemon.SdNotifyStopping+"\nSTATUS=stopping")
	return err
}

// Watchdog pings systemd's watchdog at half its interval until ctx ends,
// when WATCHDOG_USEC asks for it. healthy is asked before each ping: a
// server that stopped answering stops pinging and systemd restarts it.
func Watchdog(ctx context.Context, log *slog.Logger, healthy func(context.Context) error) {
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil || interval == 0 {
		return
	}
	ticker := time.NewTicker(interval / 2)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if healthy != nil {
				if err := healthy(ctx); err != nil {
					log.Error("watchdog: unhealthy, not pinging", "error", err)
					continue
				}
			}
			if _, err := daemon.SdNotify(false, daemon.SdNotifyWatchdog); err != nil {
				log.Warn("watchdog ping failed", "error", err)
			}
		}
	}
}

// Listen returns the listener systemd passed under name (LISTEN_FDNAMES),
// or a new one on addr when there is none. activated are the sockets from
// Activated.
func Listen(activated map[string][]net.Listener, name, addr string) (net.Listener, error) {
	if ls := activated[name]; len(ls) > 0 {
		return ls[0], nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s on %s: %w", name, addr, err)
	}
	return ln, nil
}

// Activated returns the sockets passed by systemd, keyed by name; empty
// outside socket activation.
func Activated() (map[string][]net.Listener, error) {
	ls, err := activation.ListenersWithNames()
	if err != nil {
		return nil, fmt.Errorf("socket activation: %w", err)
	}
	return ls, nil
}
