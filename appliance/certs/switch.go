package certs

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"reflect"
	"sync"

	"github.com/caddyserver/certmagic"

	"github.com/cozypi/cozy/appliance/boxca"
	"github.com/cozypi/cozy/pkg/box"
)

// Switch is the box's certificates as the first-boot setup drives them
// (it implements box.Certificates): Configure builds a Manager for the
// household's choice and swaps it in, TLSConfig serves whichever manager
// is current. It owns the managers it starts; Close stops the current one.
type Switch struct {
	// Storage keeps accounts, keys, certificates and the box CA.
	Storage certmagic.Storage
	// CA opens the box CA (lan mode), made on first use.
	CA func(ctx context.Context) (*boxca.CA, error)
	// ACME is the CA of domain mode (Let's Encrypt by default).
	ACME ACME
	// LANAddrs gives the box's current LAN addresses (lan mode).
	LANAddrs func() []netip.Addr
	// Logger defaults to slog.Default().
	Logger *slog.Logger

	mu     sync.Mutex
	cur    *Manager
	choice box.Choice
	ctx    context.Context // the managers' lifetime, ended by Close
	stop   context.CancelFunc
	closed bool
}

// ErrSwitchClosed is returned by Configure after Close.
var ErrSwitchClosed = errors.New("certs: closed")

// Configure starts getting certificates for c (box.ModeDomain: ACME DNS-01
// through c.Provider; box.ModeLAN: the box CA; box.ModeLater: none). The
// same choice again is a no-op; another one replaces the running manager.
// An error means c cannot be used (unknown provider, bad credentials).
func (s *Switch) Configure(ctx context.Context, c box.Choice) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrSwitchClosed
	}
	if s.cur != nil && reflect.DeepEqual(s.choice, c) {
		return nil
	}
	var m *Manager
	if c.Mode != box.ModeLater {
		cfg, err := s.config(ctx, c)
		if err != nil {
			return err
		}
		if m, err = New(cfg); err != nil {
			return err
		}
		if s.ctx == nil {
			s.ctx, s.stop = context.WithCancel(context.Background())
		}
		if err := m.Start(s.ctx); err != nil {
			return err
		}
	}
	if s.cur != nil {
		s.cur.Close()
	}
	s.cur, s.choice = m, c
	return nil
}

// config is the manager configuration of choice c.
func (s *Switch) config(ctx context.Context, c box.Choice) (Config, error) {
	cfg := Config{Storage: s.Storage, ACME: s.ACME, Logger: s.Logger}
	switch c.Mode {
	case box.ModeDomain:
		settings, err := json.Marshal(c.Credentials)
		if err != nil {
			return cfg, err
		}
		p, err := NewProvider(c.Provider, settings)
		if err != nil {
			return cfg, fmt.Errorf("%w: %w", box.ErrInvalid, err)
		}
		cfg.Mode, cfg.Domain, cfg.DNS = ModeDomain, c.Domain, p
	case box.ModeLAN:
		if s.CA == nil {
			return cfg, errors.New("certs: no box CA")
		}
		ca, err := s.CA(ctx)
		if err != nil {
			return cfg, fmt.Errorf("certs: box CA: %w", err)
		}
		cfg.Mode, cfg.CA, cfg.LANHosts, cfg.LANAddrs = ModeLAN, ca, c.Names, s.LANAddrs
	default:
		return cfg, fmt.Errorf("%w: https mode %q", box.ErrInvalid, c.Mode)
	}
	return cfg, nil
}

// Status is the current manager's progress as the setup page shows it.
func (s *Switch) Status() box.Status {
	s.mu.Lock()
	m, c := s.cur, s.choice
	s.mu.Unlock()
	if m == nil {
		if c.Mode == box.ModeLater {
			return box.Status{State: box.StateHTTP}
		}
		return box.Status{State: box.StateNone}
	}
	st := m.Status()
	out := box.Status{Names: c.Names, LastError: st.LastError}
	switch {
	case st.Ready:
		out.State = box.StateReady
	case st.LastError != "":
		out.State = box.StateFailed
	default:
		out.State = box.StateObtaining
	}
	for _, cs := range st.Certificates {
		if out.Expiry.IsZero() || cs.NotAfter.Before(out.Expiry) {
			out.Expiry = cs.NotAfter
		}
		if out.NextRenewal.IsZero() || cs.NextRenewal.Before(out.NextRenewal) {
			out.NextRenewal = cs.NextRenewal
		}
	}
	if m.cfg.CA != nil {
		out.RootCA = m.cfg.CA.RootPEM()
	}
	return out
}

// Manager is the current manager (nil before a choice or with "later"),
// for the box's address publishing and `cozy status`.
func (s *Switch) Manager() *Manager {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// TLSConfig serves the certificates of the current manager.
func (s *Switch) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			m := s.Manager()
			if m == nil {
				return nil, errors.New("certs: no certificate configured")
			}
			return m.getCertificate(hello)
		},
	}
}

// Close stops the current manager and waits for its work.
func (s *Switch) Close() error {
	s.mu.Lock()
	m := s.cur
	s.cur, s.closed = nil, true
	if s.stop != nil {
		s.stop()
	}
	s.mu.Unlock()
	if m != nil {
		return m.Close()
	}
	return nil
}
