package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/cozypi/cozy/appliance/boxca"
	"github.com/miekg/dns"
)

// Mode says where the box's certificates come from.
type Mode string

// The modes of the manager.
const (
	// ModeDomain: an ACME CA, for <domain> and *.<domain>, by DNS-01.
	ModeDomain Mode = "domain"
	// ModeLAN: the box CA, on demand, for .local names and LAN addresses.
	ModeLAN Mode = "lan"
)

// ACME configures the CA of domain mode. Zero values get the defaults named
// on each field.
type ACME struct {
	// CA is the directory URL (Let's Encrypt production).
	CA string
	// Email is the account's contact address (none).
	Email string
	// TrustedRoots verify the CA's HTTPS (the system roots).
	TrustedRoots *x509.CertPool
	// Profile is the ACME profile asked for (the CA's default).
	Profile string
	// Resolvers are the DNS servers certmagic asks for the zone and for
	// propagation ("host:port"; the system's).
	Resolvers []string
	// TTL of the challenge records (2 min).
	TTL time.Duration
	// PropagationDelay is waited before the propagation check (none);
	// PropagationTimeout bounds the check (2 min; negative skips it).
	PropagationDelay   time.Duration
	PropagationTimeout time.Duration
}

// Config says how the manager gets certificates. Zero values get the
// defaults named on each field.
type Config struct {
	Mode Mode
	// Storage keeps accounts, keys and certificates (certstore over the
	// box's bbolt file).
	Storage certmagic.Storage

	// Domain is the household domain of domain mode ("home.example").
	Domain string
	// Zone is the DNS zone the domain's records live in (Domain).
	Zone string
	// DNS writes the challenges and the box's addresses (domain mode).
	DNS  DNSProvider
	ACME ACME
	// AddrTTL is the TTL of the published A/AAAA records (5 min).
	AddrTTL time.Duration

	// CA is the box CA of lan mode.
	CA *boxca.CA
	// LANHosts are the box's own instance hosts of lan mode
	// ("cozy.local"); their flat app hosts (cozy-drive.local) are allowed
	// too.
	LANHosts []string
	// LANAddrs gives the box's current LAN addresses, which may appear
	// as certificate names (clients that connect by address).
	LANAddrs func() []netip.Addr

	// RenewCheckInterval is how often certmagic looks for certificates to
	// renew (10 min); RenewalWindowRatio is the part of the validity left
	// when it renews (1/3).
	RenewCheckInterval time.Duration
	RenewalWindowRatio float64
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Manager obtains, serves and renews the box's certificates. Make one with
// New, then Start; Close stops it.
type Manager struct {
	cfg   Config
	log   *slog.Logger
	names []string // managed names of domain mode

	mu      sync.Mutex
	magic   *certmagic.Config
	cache   *certmagic.Cache
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	started time.Time
	closed  bool
	st      state
	changed chan struct{}
	ready   chan struct{}

	pub publisher
}

// New checks cfg and returns a manager that does nothing until Start.
func New(cfg Config) (*Manager, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Storage == nil {
		return nil, errors.New("certs: no storage")
	}
	if cfg.RenewCheckInterval <= 0 {
		cfg.RenewCheckInterval = certmagic.DefaultRenewCheckInterval
	}
	if cfg.RenewalWindowRatio <= 0 {
		cfg.RenewalWindowRatio = certmagic.DefaultRenewalWindowRatio
	}
	if cfg.AddrTTL <= 0 {
		cfg.AddrTTL = 5 * time.Minute
	}
	m := &Manager{cfg: cfg, log: cfg.Logger.With("component", "certs", "mode", string(cfg.Mode)), changed: make(chan struct{}), ready: make(chan struct{})}
	switch cfg.Mode {
	case ModeDomain:
		d := strings.ToLower(strings.TrimSuffix(cfg.Domain, "."))
		if _, ok := dns.IsDomainName(d); !ok || !strings.Contains(d, ".") {
			return nil, fmt.Errorf("certs: invalid domain %q", cfg.Domain)
		}
		if cfg.DNS == nil {
			return nil, errors.New("certs: domain mode needs a DNS provider")
		}
		m.cfg.Domain = d
		if m.cfg.Zone == "" {
			m.cfg.Zone = d
		}
		m.cfg.Zone = strings.ToLower(strings.TrimSuffix(m.cfg.Zone, "."))
		if !dns.IsSubDomain(m.cfg.Zone, d) {
			return nil, fmt.Errorf("certs: domain %q is not in zone %q", d, m.cfg.Zone)
		}
		m.names = []string{d, "*." + d}
	case ModeLAN:
		if cfg.CA == nil {
			return nil, errors.New("certs: lan mode needs the box CA")
		}
		if len(cfg.LANHosts) == 0 {
			return nil, errors.New("certs: lan mode needs the box's .local hosts")
		}
	default:
		return nil, fmt.Errorf("certs: unknown mode %q", cfg.Mode)
	}
	m.pub.m = m
	m.pub.kick = make(chan struct{}, 1)
	return m, nil
}

// Start makes certmagic's cache (its maintenance goroutine renews
// certificates) and, in domain mode, starts obtaining the domain's
// certificates in the background; Ready is closed when they are served.
// ctx bounds that work as well as Close does.
func (m *Manager) Start(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.magic != nil || m.closed {
		return errors.New("certs: manager already started or closed")
	}
	zl := zapToSlog(m.cfg.Logger.With("component", "certmagic"))
	var magic *certmagic.Config
	cache := certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert:   func(certmagic.Certificate) (*certmagic.Config, error) { return magic, nil },
		RenewCheckInterval: m.cfg.RenewCheckInterval,
		Logger:             zl,
	})
	magic = certmagic.New(cache, certmagic.Config{
		Storage:            m.cfg.Storage,
		RenewalWindowRatio: m.cfg.RenewalWindowRatio,
		OnEvent:            m.onEvent,
		Logger:             zl,
	})
	switch m.cfg.Mode {
	case ModeDomain:
		a := m.cfg.ACME
		if a.TTL <= 0 {
			a.TTL = 2 * time.Minute
		}
		iss := certmagic.NewACMEIssuer(magic, certmagic.ACMEIssuer{
			CA:                      a.CA,
			Email:                   a.Email,
			Agreed:                  true,
			TrustedRoots:            a.TrustedRoots,
			Profile:                 a.Profile,
			DisableHTTPChallenge:    true,
			DisableTLSALPNChallenge: true,
			Logger:                  zl,
			DNS01Solver: &certmagic.DNS01Solver{DNSManager: certmagic.DNSManager{
				DNSProvider:        m.cfg.DNS,
				Resolvers:          a.Resolvers,
				TTL:                a.TTL,
				PropagationDelay:   a.PropagationDelay,
				PropagationTimeout: a.PropagationTimeout,
				Logger:             zl,
			}},
		})
		magic.Issuers = []certmagic.Issuer{quietIssuer{iss}}
	case ModeLAN:
		magic.Issuers = []certmagic.Issuer{&caIssuer{ca: m.cfg.CA}}
		magic.OnDemand = &certmagic.OnDemandConfig{DecisionFunc: m.LANDecision}
	}
	m.magic, m.cache = magic, cache
	m.started = time.Now()
	ctx, m.cancel = context.WithCancel(ctx)
	if m.cfg.Mode == ModeDomain {
		m.wg.Add(1)
		go m.obtain(ctx)
	} else {
		close(m.ready)
	}
	m.wg.Add(1)
	go m.pub.run(ctx)
	m.log.Info("certificate manager started", "domain", m.cfg.Domain, "hosts", m.cfg.LANHosts)
	return nil
}

// obtain gets (or loads from storage) the domain's certificates, retrying
// with backoff until it succeeds or ctx ends. certmagic renews them after.
func (m *Manager) obtain(ctx context.Context) {
	defer m.wg.Done()
	wait := time.Second
	for {
		err := m.magic.ManageSync(ctx, m.names)
		if err == nil {
			m.setReady()
			return
		}
		if ctx.Err() != nil {
			return
		}
		m.setError(err)
		m.log.Warn("obtaining certificates failed; will retry", "names", m.names, "err", err, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(wait*2, 10*time.Minute)
	}
}

// Ready is closed when the manager serves certificates: in domain mode once
// the domain's certificates are obtained or loaded, in lan mode at Start.
func (m *Manager) Ready() <-chan struct{} { return m.ready }

// TLSConfig is the configuration of the HTTPS listener: it serves the
// manager's certificates (obtaining lan ones at the handshake).
func (m *Manager) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		NextProtos:     []string{"h2", "http/1.1"},
		GetCertificate: m.getCertificate,
	}
}

// getCertificate hands the handshake to certmagic.
func (m *Manager) getCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	m.mu.Lock()
	magic := m.magic
	m.mu.Unlock()
	if magic == nil {
		return nil, errors.New("certs: manager not started")
	}
	return magic.GetCertificate(hello)
}

// Close stops obtaining and publishing, stops certmagic's maintenance and
// waits for all of it.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	cancel, cache := m.cancel, m.cache
	m.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	m.wg.Wait()
	if cache != nil {
		cache.Stop()
	}
	return nil
}

// quietIssuer is the ACME issuer that never prompts. ManageSync counts as
// interactive, and certmagic then asks for an email address on stdin when
// none is configured: a server must not (under a terminal it would block
// the obtain loop). Without an email the account is made without one.
// The price: certmagic's ARI-guided renewal needs the bare *ACMEIssuer, so
// renewals follow the validity ratio alone.
type quietIssuer struct{ *certmagic.ACMEIssuer }

// PreCheck is the ACME issuer's, never interactive.
func (q quietIssuer) PreCheck(ctx context.Context, names []string, _ bool) error {
	return q.ACMEIssuer.PreCheck(ctx, names, false)
}
