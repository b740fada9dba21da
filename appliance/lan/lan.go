package lan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cozypi/cozy/appliance/landns"
	"github.com/cozypi/cozy/appliance/mdns"
	"github.com/cozypi/cozy/pkg/build"
)

// Config says what the box is called, what it serves and where.
type Config struct {
	// Host is the box's label (mdns.DefaultHost, "cozy", when empty).
	Host string
	// Directory lists the instances and their app hosts (required).
	Directory Directory
	// Interfaces are the LAN interfaces by name; all suitable ones when
	// empty (see the package comment).
	Interfaces []string
	// HTTPSPort and HTTPPort are announced in the DNS-SD SRV records (443
	// and 80 when zero).
	HTTPSPort, HTTPPort int
	// Version goes in the TXT records (build.Version when empty).
	Version string
	// OnName, when set, is told the box's claimed name ("cozy.local",
	// "cozy-2.local" after a conflict, "" while none is held) each time it
	// changes. It runs on the Service's goroutine: it may call Name and
	// Claimed, not Close.
	OnName func(name string)
	// DNS, when set, runs the LAN DNS server too.
	DNS *DNSConfig
	// PollInterval is how often the interfaces are listed again besides
	// the netlink events (30 s when zero).
	PollInterval time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// DNSConfig is the optional LAN DNS server's part of Config.
type DNSConfig struct {
	// Addr is where it listens, UDP and TCP (":53" when empty), unless
	// PacketConn and Listener are given (systemd's cozy-dns.socket).
	Addr       string
	PacketConn net.PacketConn
	Listener   net.Listener
	// Upstreams are the resolvers it forwards to ("192.0.2.53:53"); when
	// empty, the nameservers of /etc/resolv.conf at start, except the
	// box's own addresses.
	Upstreams []string
	// AllowedClients are the client prefixes served; when empty, the
	// prefixes of the LAN interfaces and loopback, following them.
	AllowedClients []netip.Prefix
}

// Service keeps the box named on the LAN. Make one with Start, stop it with
// Close.
type Service struct {
	cfg     Config
	log     *slog.Logger
	ctx     context.Context // ends with Close: the responders' and DNS server's
	cancel  context.CancelFunc
	changed chan struct{} // a netlink event or a claim: look again
	watch   *os.File      // nil when netlink is not available
	wg      sync.WaitGroup
	once    sync.Once

	mu     sync.Mutex // guards the fields below
	host   string
	list   []Instance // from the directory, as last listed
	names  names
	served map[string]*served // by interface name
	dns    *landns.Server

	claimsMu sync.Mutex
	boxClaim map[int]string // interface index → claimed box label
	name     atomic.Value   // string: Name
}

// served is one interface with its responder.
type served struct {
	link link
	r    *mdns.Responder
}

// Start lists the instances and the interfaces, starts a responder on each
// interface and the DNS server when configured, and follows the interfaces
// until ctx ends or Close; Close must be called in both cases.
func Start(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Directory == nil {
		return nil, errors.New("lan: no directory")
	}
	if cfg.Host == "" {
		cfg.Host = mdns.DefaultHost
	}
	cfg.Host = strings.ToLower(cfg.Host)
	if !validLabel(cfg.Host) {
		return nil, fmt.Errorf("lan: box name %q is not a host label", cfg.Host)
	}
	if cfg.HTTPSPort == 0 {
		cfg.HTTPSPort = 443
	}
	if cfg.HTTPPort == 0 {
		cfg.HTTPPort = 80
	}
	if cfg.Version == "" {
		cfg.Version = build.Version
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	list, err := cfg.Directory.Instances(ctx)
	if err != nil {
		return nil, fmt.Errorf("lan: list instances: %w", err)
	}
	links, err := lanLinks(cfg.Interfaces)
	if err != nil {
		return nil, err
	}
	s := &Service{
		cfg:      cfg,
		log:      cfg.Logger.With("component", "lan"),
		changed:  make(chan struct{}, 1),
		host:     cfg.Host,
		list:     list,
		names:    namesOf(cfg.Host, list),
		served:   map[string]*served{},
		boxClaim: map[int]string{},
	}
	s.name.Store("")
	s.ctx, s.cancel = context.WithCancel(ctx)
	if cfg.DNS != nil {
		if err := s.startDNS(links); err != nil {
			s.cancel()
			return nil, err
		}
	}
	s.mu.Lock()
	s.syncLinks(links)
	s.mu.Unlock()
	if s.watch, err = netlinkWatch(); err != nil {
		s.log.Warn("lan: no netlink events, polling the interfaces only", "err", err, "every", cfg.PollInterval)
	} else {
		s.wg.Add(1)
		go s.readEvents()
	}
	s.wg.Add(1)
	go s.loop()
	return s, nil
}

// startDNS starts the LAN DNS server with the current names.
func (s *Service) startDNS(links []link) error {
	d := s.cfg.DNS
	ups := d.Upstreams
	if len(ups) == 0 {
		ups = resolvConfUpstreams("/etc/resolv.conf", routable(links))
	}
	addr := d.Addr
	if addr == "" {
		addr = ":53"
	}
	srv, err := landns.Start(s.ctx, landns.Config{
		Addr: addr, PacketConn: d.PacketConn, Listener: d.Listener,
		Names: s.dnsNames(), Addrs: routable(links), Upstreams: ups,
		AllowedClients: s.allowedClients(links), Logger: s.cfg.Logger,
	})
	if err != nil {
		return fmt.Errorf("lan: %w", err)
	}
	s.dns = srv
	return nil
}

// Close withdraws the names (goodbyes), stops the DNS server and waits for
// every goroutine of the Service.
func (s *Service) Close() error {
	var err error
	s.once.Do(func() {
		s.cancel()
		if s.watch != nil {
			s.watch.Close() // ends readEvents
		}
		s.wg.Wait()
		s.mu.Lock()
		defer s.mu.Unlock()
		var errs []error
		for name, sv := range s.served {
			errs = append(errs, sv.r.Close())
			delete(s.served, name)
		}
		if s.dns != nil {
			errs = append(errs, s.dns.Close())
		}
		err = errors.Join(errs...)
	})
	return err
}

// Refresh lists the instances again and serves their names (after an
// instance is created or removed, an app installed or uninstalled). New
// names are probed before they are answered over mDNS.
func (s *Service) Refresh(ctx context.Context) error {
	list, err := s.cfg.Directory.Instances(ctx)
	if err != nil {
		return fmt.Errorf("lan: list instances: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list, s.names = list, namesOf(s.host, list)
	var errs []error
	for _, sv := range s.served {
		errs = append(errs, sv.r.SetNames(s.names.mdns), sv.r.SetTXT(txt(s.cfg.Version, s.names.instances)))
	}
	s.updateDNS(s.currentLinks())
	return errors.Join(errs...)
}

// SetHost renames the box: the responders start again under the new label
// (goodbyes for the old names, probes for the new ones).
func (s *Service) SetHost(label string) error {
	label = strings.ToLower(label)
	if !validLabel(label) {
		return fmt.Errorf("lan: box name %q is not a host label", label)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if label == s.host {
		return nil
	}
	links := s.currentLinks()
	for name, sv := range s.served {
		if err := sv.r.Close(); err != nil {
			s.log.Warn("lan: stop responder", "interface", name, "err", err)
		}
		delete(s.served, name)
	}
	s.claimsMu.Lock()
	clear(s.boxClaim)
	s.claimsMu.Unlock()
	// An instance's name may be the old label or the new one.
	s.host = label
	s.names = namesOf(label, s.list)
	s.syncLinks(links)
	s.notify()
	return nil
}

// Name is the box's claimed name ("cozy.local", "cozy-2.local"), "" while
// no interface holds one.
func (s *Service) Name() string { return s.name.Load().(string) }

// Claimed lists the names held on each interface: interface name → wanted
// label → claimed label.
func (s *Service) Claimed() map[string]map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]map[string]string{}
	for name, sv := range s.served {
		out[name] = sv.r.Claimed()
	}
	return out
}

// DNSAddr is the LAN DNS server's address, "" when it does not run.
func (s *Service) DNSAddr() string {
	if s.dns == nil {
		return ""
	}
	return s.dns.Addr()
}

// loop lists the interfaces again on netlink events and on the poll timer,
// and tells OnName of the box name's changes.
func (s *Service) loop() {
	defer s.wg.Done()
	tick := time.NewTicker(s.cfg.PollInterval)
	defer tick.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.changed:
		case <-tick.C:
		}
		links, err := lanLinks(s.cfg.Interfaces)
		if err != nil {
			s.log.Warn("lan: list interfaces", "err", err)
			continue
		}
		s.mu.Lock()
		s.syncLinks(links)
		s.updateDNS(links)
		s.mu.Unlock()
		s.publishName()
	}
}

// readEvents turns netlink messages into a look-again signal until the
// socket is closed.
func (s *Service) readEvents() {
	defer s.wg.Done()
	buf := make([]byte, 1<<16)
	for {
		if _, err := s.watch.Read(buf); err != nil {
			if s.ctx.Err() == nil && !errors.Is(err, os.ErrClosed) {
				s.log.Warn("lan: netlink read, polling the interfaces only", "err", err)
			}
			return
		}
		s.notify()
	}
}

// notify asks the loop to look again, without waiting.
func (s *Service) notify() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// syncLinks makes the responders match links: new interfaces get one,
// gone ones lose theirs, changed addresses are announced. s.mu is held.
func (s *Service) syncLinks(links []link) {
	seen := map[string]bool{}
	for _, l := range links {
		seen[l.ifi.Name] = true
		sv := s.served[l.ifi.Name]
		if sv != nil && sv.link.ifi.Index != l.ifi.Index {
			s.stopResponder(sv) // the interface was made again
			sv = nil
		}
		if sv == nil {
			r, err := s.startResponder(l)
			if err != nil {
				s.log.Warn("lan: no mDNS on this interface", "interface", l.ifi.Name, "err", err)
				continue
			}
			s.served[l.ifi.Name] = &served{link: l, r: r}
			continue
		}
		if !slices.Equal(sv.link.addrs, l.addrs) {
			if err := sv.r.SetAddrs(l.addrs); err != nil {
				s.log.Warn("lan: addresses", "interface", l.ifi.Name, "err", err)
			}
			sv.link = l
		}
	}
	for name, sv := range s.served {
		if !seen[name] {
			s.stopResponder(sv)
		}
	}
}

// startResponder starts the mDNS responder of one interface.
func (s *Service) startResponder(l link) (*mdns.Responder, error) {
	ifi := l.ifi
	index := ifi.Index
	return mdns.Start(s.ctx, mdns.Config{
		Interface: &ifi,
		Host:      s.host,
		Names:     s.names.mdns,
		Addrs:     l.addrs,
		Services:  mdns.DefaultServices(s.cfg.HTTPSPort, s.cfg.HTTPPort),
		TXT:       txt(s.cfg.Version, s.names.instances),
		OnClaim: func(wanted, claimed string) {
			// On the responder's goroutine: record and hand over to loop.
			if wanted == s.host {
				s.claimsMu.Lock()
				s.boxClaim[index] = claimed
				s.claimsMu.Unlock()
			}
			s.notify()
		},
		Logger: s.cfg.Logger,
	})
}

// stopResponder closes one interface's responder (goodbyes) and forgets
// its claims. s.mu is held.
func (s *Service) stopResponder(sv *served) {
	if err := sv.r.Close(); err != nil {
		s.log.Warn("lan: stop responder", "interface", sv.link.ifi.Name, "err", err)
	}
	delete(s.served, sv.link.ifi.Name)
	s.claimsMu.Lock()
	delete(s.boxClaim, sv.link.ifi.Index)
	s.claimsMu.Unlock()
}

// publishName computes the box name and tells OnName when it changed.
func (s *Service) publishName() {
	s.claimsMu.Lock()
	name := ""
	if len(s.boxClaim) > 0 {
		first := slices.Min(slices.Collect(maps.Keys(s.boxClaim)))
		name = s.boxClaim[first] + ".local"
	}
	s.claimsMu.Unlock()
	if s.name.Swap(name) != name {
		s.log.Info("lan: box name", "name", name)
		if s.cfg.OnName != nil {
			s.cfg.OnName(name)
		}
	}
}

// currentLinks are the served interfaces as last seen. s.mu is held.
func (s *Service) currentLinks() []link {
	var out []link
	for _, sv := range s.served {
		out = append(out, sv.link)
	}
	return out
}

// updateDNS gives the DNS server the current names, addresses and client
// prefixes. s.mu is held.
func (s *Service) updateDNS(links []link) {
	if s.dns == nil {
		return
	}
	s.dns.SetRecords(s.dnsNames(), routable(links))
	if len(s.cfg.DNS.AllowedClients) == 0 {
		s.dns.SetAllowedClients(s.allowedClients(links))
	}
}

// dnsNames are the names the DNS server answers: the wanted .local names,
// the ones claimed instead after a conflict, and the other domains.
// s.mu is held (or s is not shared yet).
func (s *Service) dnsNames() []string {
	set := map[string]bool{s.host + ".local": true}
	for _, l := range s.names.mdns {
		set[l+".local"] = true
	}
	for _, sv := range s.served {
		for _, claimed := range sv.r.Claimed() {
			set[claimed+".local"] = true
		}
	}
	for _, h := range s.names.other {
		set[h] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// allowedClients are the configured client prefixes, or the LAN's and
// loopback.
func (s *Service) allowedClients(links []link) []netip.Prefix {
	if len(s.cfg.DNS.AllowedClients) > 0 {
		return s.cfg.DNS.AllowedClients
	}
	return append(prefixes(links), netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"))
}
