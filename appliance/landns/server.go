package landns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// Config says where the server listens, what it answers itself and where it
// forwards the rest. Zero values get the defaults named on each field.
type Config struct {
	// Addr is the listen address for both UDP and TCP, e.g. ":53". With port
	// 0 the system picks one port, the same for both. Unused when PacketConn
	// and Listener are set.
	Addr string
	// PacketConn and Listener, when both set, are sockets opened elsewhere
	// (passed by systemd: cozy-dns.socket), served instead of Addr. The
	// server closes them on Close.
	PacketConn net.PacketConn
	Listener   net.Listener
	// Names are the box's own names ("cozy.local", "example.org",
	// "*.example.org"), answered with Addrs.
	Names []string
	// Addrs are the box's LAN addresses.
	Addrs []netip.Addr
	// Upstreams are the resolvers asked in turn ("192.0.2.53:53").
	Upstreams []string
	// UpstreamTimeout bounds each upstream try (2 s).
	UpstreamTimeout time.Duration
	// CacheSize is the number of answers kept (4096; negative turns the
	// cache off).
	CacheSize int
	// MaxCacheTTL caps how long an answer is kept (1 h).
	MaxCacheTTL time.Duration
	// RatePerClient is each client address's budget in queries a second
	// (50; negative turns limiting off), with bursts up to RateBurst (100).
	RatePerClient float64
	RateBurst     int
	// MaxClients bounds the rate limiter's table (10000).
	MaxClients int
	// AllowedClients, when set, are the only client prefixes served; others
	// are answered REFUSED.
	AllowedClients []netip.Prefix
	// Logger defaults to slog.Default().
	Logger *slog.Logger

	now func() time.Time // tests replace the clock
}

// Server is a running LAN DNS server. Make one with Start, stop it with Close.
type Server struct {
	cfg     Config
	log     *slog.Logger
	local   local
	cache   *cache
	limit   *limiter
	forward *forwarder
	udp     *dns.Server
	tcp     *dns.Server
	pc      net.PacketConn
	ln      net.Listener
	ctx     context.Context
	cancel  context.CancelFunc
	// allowedClients is cfg.AllowedClients, replaced by SetAllowedClients.
	allowedClients atomic.Pointer[[]netip.Prefix]
	wg             sync.WaitGroup
	once           sync.Once
}

// Start listens on cfg.Addr (UDP and TCP) and serves until Close. ctx bounds
// the upstream queries in flight: when it ends they are abandoned.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	cfg = withDefaults(cfg)
	pc, ln := cfg.PacketConn, cfg.Listener
	if pc == nil || ln == nil {
		if pc != nil || ln != nil {
			return nil, errors.New("landns: PacketConn and Listener go together")
		}
		var err error
		if pc, ln, err = listen(cfg.Addr); err != nil {
			return nil, err
		}
	}
	s := &Server{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "landns"),
		cache:   newCache(cfg.CacheSize, cfg.MaxCacheTTL, cfg.now),
		limit:   newLimiter(cfg.RatePerClient, cfg.RateBurst, cfg.MaxClients, cfg.now),
		forward: newForwarder(cfg.Upstreams, cfg.UpstreamTimeout),
		pc:      pc,
		ln:      ln,
	}
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.local.set(cfg.Names, cfg.Addrs)
	s.allowedClients.Store(&cfg.AllowedClients)
	s.udp = &dns.Server{PacketConn: pc, Handler: s}
	s.tcp = &dns.Server{Listener: ln, Handler: s}
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := srv.ActivateAndServe(); err != nil {
				s.log.Error("landns serve", "err", err)
			}
		}()
		<-started
	}
	s.log.Info("landns serving", "addr", pc.LocalAddr().String(), "upstreams", cfg.Upstreams)
	return s, nil
}

// listen opens UDP and TCP on one port. With port 0 the port UDP got may be
// taken for TCP; then it tries other ports a few times.
func listen(addr string) (net.PacketConn, net.Listener, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("landns: address %q: %w", addr, err)
	}
	tries := 1
	if port == "0" {
		tries = 10
	}
	for i := 0; ; i++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("landns: listen udp: %w", err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		if i+1 >= tries || !errors.Is(err, syscall.EADDRINUSE) {
			return nil, nil, fmt.Errorf("landns: listen tcp: %w", err)
		}
	}
}

// withDefaults fills the zero fields of cfg.
func withDefaults(cfg Config) Config {
	if cfg.UpstreamTimeout <= 0 {
		cfg.UpstreamTimeout = 2 * time.Second
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = 4096
	}
	if cfg.MaxCacheTTL <= 0 {
		cfg.MaxCacheTTL = time.Hour
	}
	if cfg.RatePerClient == 0 {
		cfg.RatePerClient = 50
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = 100
	}
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = 10000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	return cfg
}

// Addr is the address the server listens on (UDP and TCP).
func (s *Server) Addr() string { return s.pc.LocalAddr().String() }

// SetRecords replaces the box's own names and addresses (when the LAN
// address changes or an app is installed).
func (s *Server) SetRecords(names []string, addrs []netip.Addr) {
	s.local.set(names, addrs)
}

// SetAllowedClients replaces the client prefixes served (all when empty),
// when the LAN's prefixes change.
func (s *Server) SetAllowedClients(prefixes []netip.Prefix) {
	prefixes = slices.Clone(prefixes)
	s.allowedClients.Store(&prefixes)
}

// Close stops both listeners, abandons upstream queries and waits for the
// serving goroutines.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		s.cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = errors.Join(s.udp.ShutdownContext(ctx), s.tcp.ShutdownContext(ctx))
		s.wg.Wait()
	})
	return err
}

// ServeDNS answers one query: refused past the client's budget or from a
// client outside AllowedClients, authoritative for our names, else from the
// cache or the upstreams.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	client, udp := clientOf(w.RemoteAddr())
	resp := s.resolve(req, client)
	if req.IsEdns0() == nil {
		// The client spoke plain DNS: no OPT record back.
		resp.Extra = slices.DeleteFunc(resp.Extra, func(rr dns.RR) bool { return rr.Header().Rrtype == dns.TypeOPT })
	}
	if udp {
		resp.Truncate(udpSize(req))
	}
	if err := w.WriteMsg(resp); err != nil {
		s.log.Debug("landns write", "client", client, "err", err)
	}
}

// resolve builds the answer to req from client.
func (s *Server) resolve(req *dns.Msg, client netip.Addr) *dns.Msg {
	switch {
	case !s.allowed(client) || !s.limit.allow(client):
		return reply(req, dns.RcodeRefused)
	case req.Opcode != dns.OpcodeQuery:
		return reply(req, dns.RcodeNotImplemented)
	case len(req.Question) != 1:
		return reply(req, dns.RcodeFormatError)
	case s.local.owns(req.Question[0].Name):
		return s.local.answer(req)
	}
	key := keyOf(req)
	if m := s.cache.get(key); m != nil {
		return forClient(m, req)
	}
	m, err := s.forward.exchange(s.ctx, req)
	if err != nil {
		s.log.Warn("landns forward", "name", req.Question[0].Name, "err", err)
		return reply(req, dns.RcodeServerFailure)
	}
	s.cache.put(key, m)
	return forClient(m, req)
}

// allowed tells whether client may use the server.
func (s *Server) allowed(client netip.Addr) bool {
	allowed := *s.allowedClients.Load()
	if len(allowed) == 0 {
		return true
	}
	for _, p := range allowed {
		if p.Contains(client) {
			return true
		}
	}
	return false
}

// reply makes an empty answer with rcode.
func reply(req *dns.Msg, rcode int) *dns.Msg {
	m := new(dns.Msg)
	m.SetRcode(req, rcode)
	m.RecursionAvailable = true
	return m
}

// forClient turns an upstream (or cached) answer into the answer to req: the
// client's ID and question as it spelled it.
func forClient(m, req *dns.Msg) *dns.Msg {
	m = m.Copy()
	m.Id = req.Id
	m.Question = slices.Clone(req.Question)
	m.RecursionDesired = req.RecursionDesired
	m.RecursionAvailable = true
	return m
}

// udpSize is the largest answer a UDP client takes: its EDNS size, or 512.
func udpSize(req *dns.Msg) int {
	if o := req.IsEdns0(); o != nil {
		return max(int(o.UDPSize()), dns.MinMsgSize)
	}
	return dns.MinMsgSize
}

// clientOf gives the client's address and whether it came over UDP.
func clientOf(a net.Addr) (netip.Addr, bool) {
	switch a := a.(type) {
	case *net.UDPAddr:
		return a.AddrPort().Addr().Unmap(), true
	case *net.TCPAddr:
		return a.AddrPort().Addr().Unmap(), false
	}
	return netip.Addr{}, false
}
