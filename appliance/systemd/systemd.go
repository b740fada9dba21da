// Package systemd connects the server to systemd when it runs under it:
// readiness and stopping notifications, the watchdog, and socket
// activation. Outside systemd every function is a harmless no-op, so the
// same binary runs from a shell, in tests and on the appliance.
package systemd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/coreos/go-systemd/v22/activation"
	"github.com/coreos/go-systemd/v22/daemon"
	"golang.org/x/sys/unix"
)

// Ready tells systemd that the server serves, with a status line.
func Ready(status string) error {
	_, err := daemon.SdNotify(false, daemon.SdNotifyReady+"\nSTATUS="+status)
	return err
}

// Status sets the status line systemctl status shows (STATUS=), e.g. the
// box's claimed name after an mDNS conflict.
func Status(status string) error {
	_, err := daemon.SdNotify(false, "STATUS="+status)
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

// Activated returns the stream sockets passed by systemd, keyed by name;
// empty outside socket activation. It drops the datagram ones (the LAN DNS
// server's): a server that runs that uses ActivatedSockets instead. Either
// may be called once only: systemd's variables are consumed.
func Activated() (map[string][]net.Listener, error) {
	s, err := ActivatedSockets()
	if err != nil {
		return nil, err
	}
	for _, pcs := range s.PacketConns {
		for _, pc := range pcs {
			pc.Close()
		}
	}
	return s.Listeners, nil
}

// Sockets are the sockets systemd passed, keyed by their
// FileDescriptorName: stream listeners, and datagram sockets (cozy-dns.socket
// passes one of each under "dns").
type Sockets struct {
	Listeners   map[string][]net.Listener
	PacketConns map[string][]net.PacketConn
}

// ActivatedSockets returns every socket passed by systemd (empty maps
// outside socket activation). A descriptor that is neither a listening
// stream socket nor a datagram socket is an error.
func ActivatedSockets() (*Sockets, error) {
	s := &Sockets{Listeners: map[string][]net.Listener{}, PacketConns: map[string][]net.PacketConn{}}
	var errs []error
	for name, files := range activation.FilesWithNames() {
		for _, f := range files {
			typ, err := unix.GetsockoptInt(int(f.Fd()), unix.SOL_SOCKET, unix.SO_TYPE)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("socket activation: %s: %w", name, err))
			case typ == unix.SOCK_DGRAM:
				pc, err := net.FilePacketConn(f)
				if err != nil {
					errs = append(errs, fmt.Errorf("socket activation: %s: %w", name, err))
					break
				}
				s.PacketConns[name] = append(s.PacketConns[name], pc)
			default:
				ln, err := net.FileListener(f)
				if err != nil {
					errs = append(errs, fmt.Errorf("socket activation: %s: %w", name, err))
					break
				}
				s.Listeners[name] = append(s.Listeners[name], ln)
			}
			f.Close() // net dup'ed it
		}
	}
	if err := errors.Join(errs...); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes every socket in s (those the server did not take).
func (s *Sockets) Close() {
	for _, ls := range s.Listeners {
		for _, l := range ls {
			l.Close()
		}
	}
	for _, pcs := range s.PacketConns {
		for _, pc := range pcs {
			pc.Close()
		}
	}
}
