package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cozypi/cozy/appliance/boxca"
	"github.com/cozypi/cozy/appliance/certs"
	"github.com/cozypi/cozy/appliance/certstore"
	"github.com/cozypi/cozy/appliance/lan"
	"github.com/cozypi/cozy/appliance/systemd"
	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/stack"
)

// boxRuntime is what `cozy serve` runs for the household box
// (box.enabled): the certificates the first-boot setup chooses (their
// store, the box CA, the switch behind the HTTPS listener) and the box's
// names on the LAN (mDNS, the optional LAN DNS server). serve owns it and
// closes it after the listeners stop.
type boxRuntime struct {
	log   *slog.Logger
	store *certstore.Storage
	certs *certs.Switch
	lan   *lan.Service

	cancel context.CancelFunc
	wg     sync.WaitGroup

	statusMu  sync.Mutex
	name, tls string // the parts of the STATUS= line
}

// status tells systemd (systemctl status) where the box stands, in one
// line: "reachable as cozy.local; https: ready". An empty part keeps its
// last value.
func (b *boxRuntime) status(name, https string) {
	b.statusMu.Lock()
	defer b.statusMu.Unlock()
	if name != "" {
		b.name = name
	}
	if https != "" {
		b.tls = https
	}
	msg := "https: " + b.tls
	if b.name != "" {
		msg = "reachable as " + b.name + "; " + msg
	} else {
		msg = "claiming its name on the LAN; " + msg
	}
	_ = systemd.Status(msg)
}

// boxRefresh is how often the LAN names and the domain's address records
// are brought up to date with the instances, their apps and the box's
// addresses (installs and address changes show within this time).
const boxRefresh = 30 * time.Second

// openBoxCerts opens the box's certificate store (certs.db in the data
// directory) and the switch the setup drives; nothing runs until a choice.
func openBoxCerts(dataDir string, cfg config.BoxACME, log *slog.Logger) (*boxRuntime, error) {
	acme := certs.ACME{CA: cfg.CA, Email: cfg.Email, Resolvers: cfg.Resolvers}
	if cfg.RootFile != "" {
		pem, err := os.ReadFile(cfg.RootFile)
		if err != nil {
			return nil, fmt.Errorf("box.acme.root_file: %w", err)
		}
		acme.TrustedRoots = x509.NewCertPool()
		if !acme.TrustedRoots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("box.acme.root_file %s: no PEM certificate", cfg.RootFile)
		}
	}
	store, err := certstore.Open(filepath.Join(dataDir, "certs.db"), certstore.Options{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("box certificates: %w", err)
	}
	b := &boxRuntime{log: log, store: store}
	b.certs = &certs.Switch{
		ACME:     acme,
		Storage:  store,
		LANAddrs: lanAddrs,
		Logger:   log,
		CA: func(ctx context.Context) (*boxca.CA, error) {
			// The root is made once, constrained to .local names and the
			// LAN prefixes the box has at that time.
			var nets []netip.Prefix
			for _, p := range lanPrefixes() {
				nets = append(nets, p.Masked())
			}
			return boxca.Open(ctx, store, boxca.Config{Name: "Cozy box CA", LAN: nets, Logger: log})
		},
	}
	return b, nil
}

// startLAN names the box on its LAN: mDNS for <box>.local and the
// instances' flat app names, the DNS-SD services, and the LAN DNS server
// when systemd passes cozy-dns.socket. It then keeps the names and the
// domain's address records up to date.
func (b *boxRuntime) startLAN(ctx context.Context, st *stack.Stack, sockets *systemd.Sockets, httpsPort int) error {
	cfg := lan.Config{
		Host:       st.Config.Box.Name,
		Interfaces: st.Config.Box.Interfaces,
		HTTPSPort:  httpsPort,
		Directory:  lan.DirectoryFunc(func(ctx context.Context) ([]lan.Instance, error) { return directory(ctx, st) }),
		OnName:     func(name string) { b.status(name, "") },
		Logger:     b.log,
	}
	if pcs, lns := sockets.PacketConns["dns"], sockets.Listeners["dns"]; len(pcs) > 0 && len(lns) > 0 {
		cfg.DNS = &lan.DNSConfig{PacketConn: pcs[0], Listener: lns[0]}
	}
	svc, err := lan.Start(ctx, cfg)
	if err != nil {
		return fmt.Errorf("box on the LAN: %w", err)
	}
	b.lan = svc
	ctx, b.cancel = context.WithCancel(ctx)
	b.wg.Add(1)
	go b.follow(ctx)
	return nil
}

// follow refreshes the LAN names and the published addresses until ctx
// ends.
func (b *boxRuntime) follow(ctx context.Context) {
	defer b.wg.Done()
	t := time.NewTicker(boxRefresh)
	defer t.Stop()
	var told string
	for {
		// systemctl status tells where HTTPS stands ("waiting for DNS",
		// "obtaining certificate", "ready", "failed: ...").
		if st := b.certs.Status(); st.State != told {
			msg := st.State
			if st.LastError != "" {
				msg += ": " + st.LastError
			}
			b.status("", msg)
			told = st.State
		}
		if m := b.certs.Manager(); m != nil && m.Status().Mode == certs.ModeDomain {
			if err := m.SetAddrs(ctx, lanAddrs()); err != nil {
				b.log.WarnContext(ctx, "box: publishing the box's addresses", "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := b.lan.Refresh(ctx); err != nil && ctx.Err() == nil {
			b.log.WarnContext(ctx, "box: refreshing the LAN names", "error", err)
		}
	}
}

// directory lists the instances and the hosts of their installed web apps.
func directory(ctx context.Context, st *stack.Stack) ([]lan.Instance, error) {
	var out []lan.Instance
	for _, inst := range st.Instances.List() {
		e := lan.Instance{Domain: inst.Domain}
		list, _, err := st.Apps.List(ctx, inst, apps.Webapp, "", 0)
		if err != nil {
			return nil, fmt.Errorf("apps of %s: %w", inst.Domain, err)
		}
		for _, a := range list {
			e.AppHosts = append(e.AppHosts, inst.AppHost(a.Slug))
		}
		out = append(out, e)
	}
	return out, nil
}

// stopLAN stops the LAN names and their refreshing (before the stack
// closes: the refresh reads the instances' apps). It may be called again.
func (b *boxRuntime) stopLAN() error {
	if b.cancel != nil {
		b.cancel()
	}
	b.wg.Wait()
	if b.lan == nil {
		return nil
	}
	err := b.lan.Close()
	b.lan = nil
	return err
}

// Close stops the LAN names and the certificates and closes their store.
func (b *boxRuntime) Close() error {
	return errors.Join(b.stopLAN(), b.certs.Close(), b.store.Close())
}

// lanAddrs are the box's addresses on its LAN: those of the interfaces
// that are up, not loopback, and not link-local.
func lanAddrs() []netip.Addr {
	var out []netip.Addr
	for _, p := range lanPrefixes() {
		out = append(out, p.Addr())
	}
	return out
}

// lanPrefixes are lanAddrs with their prefix lengths.
func lanPrefixes() []netip.Prefix {
	ifis, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []netip.Prefix
	for _, ifi := range ifis {
		if ifi.Flags&net.FlagUp == 0 || ifi.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifi.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			n, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			p, ok := netipPrefix(n)
			if !ok || p.Addr().IsLinkLocalUnicast() || p.Addr().IsLoopback() {
				continue
			}
			out = append(out, p)
		}
	}
	return out
}

func netipPrefix(n *net.IPNet) (netip.Prefix, bool) {
	a, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(a.Unmap(), ones), true
}
