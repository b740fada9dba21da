package authdns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// Config says which zone the server is authoritative for, where it listens
// and which TSIG keys may update it.
type Config struct {
	// Zone is the apex, e.g. "home.example".
	Zone string
	// Addr is the listen address for UDP and TCP, e.g. ":53" or
	// "127.0.0.1:0" (the same free port for both).
	Addr string
	// Keys maps TSIG key names to their base64 secrets. Without keys the
	// zone cannot be updated.
	Keys map[string]string
	// NS are the zone's name servers ("ns1.home.example"), default
	// "ns.<zone>".
	NS []string
	// Mbox is the SOA contact, default "hostmaster.<zone>".
	Mbox string
	// NegativeTTL is the SOA minimum and TTL (60 s).
	NegativeTTL time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Server is a running authoritative server. Make one with Start, stop it
// with Close.
type Server struct {
	cfg  Config
	zone string // canonical FQDN of the apex
	log  *slog.Logger
	udp  *dns.Server
	tcp  *dns.Server
	pc   net.PacketConn
	wg   sync.WaitGroup
	once sync.Once

	mu     sync.RWMutex
	data   zoneData
	serial uint32
}

// Start listens on cfg.Addr and serves the zone until Close.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if _, ok := dns.IsDomainName(cfg.Zone); !ok || cfg.Zone == "" {
		return nil, fmt.Errorf("authdns: invalid zone %q", cfg.Zone)
	}
	zone := canonical(cfg.Zone)
	if len(cfg.NS) == 0 {
		cfg.NS = []string{"ns." + zone}
	}
	if cfg.Mbox == "" {
		cfg.Mbox = "hostmaster." + zone
	}
	if cfg.NegativeTTL <= 0 {
		cfg.NegativeTTL = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	secrets := map[string]string{}
	for name, secret := range cfg.Keys {
		secrets[canonical(name)] = secret
	}
	pc, ln, err := listen(cfg.Addr)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:    cfg,
		zone:   zone,
		log:    cfg.Logger.With("component", "authdns", "zone", zone),
		pc:     pc,
		data:   zoneData{},
		serial: uint32(time.Now().Unix()),
	}
	s.udp = &dns.Server{PacketConn: pc, Handler: s, TsigSecret: secrets, MsgAcceptFunc: accept}
	s.tcp = &dns.Server{Listener: ln, Handler: s, TsigSecret: secrets, MsgAcceptFunc: accept}
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := srv.ActivateAndServe(); err != nil {
				s.log.Error("authdns serve", "err", err)
			}
		}()
		select {
		case <-started:
		case <-ctx.Done():
			s.Close()
			return nil, ctx.Err()
		}
	}
	s.log.Info("authdns serving", "addr", pc.LocalAddr().String())
	return s, nil
}

// listen opens UDP and TCP on one port (retrying when port 0 gave UDP a
// port that TCP has taken).
func listen(addr string) (net.PacketConn, net.Listener, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("authdns: address %q: %w", addr, err)
	}
	tries := 1
	if port == "0" {
		tries = 10
	}
	for i := 0; ; i++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("authdns: listen udp: %w", err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		if i+1 >= tries || !errors.Is(err, syscall.EADDRINUSE) {
			return nil, nil, fmt.Errorf("authdns: listen tcp: %w", err)
		}
	}
}

// accept lets queries and updates through (miekg/dns's default refuses
// updates) and rejects everything else before it reaches ServeDNS.
func accept(dh dns.Header) dns.MsgAcceptAction {
	if dh.Bits&(1<<15) != 0 { // QR: a response
		return dns.MsgIgnore
	}
	op := int(dh.Bits>>11) & 0xF
	if op != dns.OpcodeQuery && op != dns.OpcodeUpdate {
		return dns.MsgRejectNotImplemented
	}
	if dh.Qdcount != 1 {
		return dns.MsgReject
	}
	return dns.MsgAccept
}

// Addr is the address the server listens on (UDP and TCP).
func (s *Server) Addr() string { return s.pc.LocalAddr().String() }

// Zone is the apex the server is authoritative for, as an FQDN.
func (s *Server) Zone() string { return s.zone }

// Serial is the current SOA serial.
func (s *Server) Serial() uint32 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.serial
}

// Close stops both listeners and waits for the serving goroutines.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = errors.Join(s.udp.ShutdownContext(ctx), s.tcp.ShutdownContext(ctx))
		s.wg.Wait()
	})
	return err
}

// ServeDNS answers a query or applies an update.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	var resp *dns.Msg
	switch req.Opcode {
	case dns.OpcodeUpdate:
		resp = s.update(w, req)
	default:
		resp = s.query(req)
	}
	if t := req.IsTsig(); t != nil && w.TsigStatus() == nil {
		// Signed by a key we know: the answer is signed too (the server
		// computes the MAC when it writes).
		resp.SetTsig(t.Hdr.Name, t.Algorithm, 300, time.Now().Unix())
	}
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		size := dns.MinMsgSize
		if o := req.IsEdns0(); o != nil {
			size = max(int(o.UDPSize()), dns.MinMsgSize)
		}
		resp.Truncate(size)
	}
	if err := w.WriteMsg(resp); err != nil {
		s.log.Debug("authdns write", "err", err)
	}
}

// inZone tells whether name (canonical) is the apex or below it.
func (s *Server) inZone(name string) bool {
	return dns.IsSubDomain(s.zone, name)
}

// soa is the zone's SOA record at the current serial (caller holds mu).
func (s *Server) soa() *dns.SOA {
	ttl := uint32(s.cfg.NegativeTTL / time.Second)
	return &dns.SOA{
		Hdr:     dns.RR_Header{Name: s.zone, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: ttl},
		Ns:      canonical(s.cfg.NS[0]),
		Mbox:    canonical(s.cfg.Mbox),
		Serial:  s.serial,
		Refresh: 3600,
		Retry:   600,
		Expire:  604800,
		Minttl:  ttl,
	}
}

// nsRecords are the apex NS records (caller holds mu).
func (s *Server) nsRecords() []dns.RR {
	var out []dns.RR
	for _, ns := range s.cfg.NS {
		out = append(out, &dns.NS{Hdr: dns.RR_Header{Name: s.zone, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 3600}, Ns: canonical(ns)})
	}
	return out
}

// canonical is name as a lowercased FQDN.
func canonical(name string) string {
	return dns.CanonicalName(name)
}
