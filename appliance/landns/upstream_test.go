package landns

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// upstream is a test resolver on loopback (UDP and TCP on one port): it
// answers every name under example.test. with 192.0.2.10 (TTL 300),
// big.example.test. TXT with 40 long strings, and NXDOMAIN with an SOA
// otherwise. It counts the questions it gets.
type upstream struct {
	addr    string
	queries atomic.Int64
	mu      sync.Mutex
	byName  map[string]int
}

// startUpstream starts the test resolver and stops it at the end of the test.
func startUpstream(tb testing.TB) *upstream {
	tb.Helper()
	u := &upstream{byName: map[string]int{}}
	pc, ln, err := listen("127.0.0.1:0") // one port for UDP and TCP
	if err != nil {
		tb.Fatal(err)
	}
	u.addr = pc.LocalAddr().String()
	var wg sync.WaitGroup
	tb.Cleanup(wg.Wait) // runs last: after both Shutdowns below
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: u}, {Listener: ln, Handler: u}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = srv.ActivateAndServe()
		}()
		<-started
		tb.Cleanup(func() { _ = srv.Shutdown() })
	}
	return u
}

// ServeDNS answers as described on upstream.
func (u *upstream) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	u.queries.Add(1)
	q := req.Question[0]
	u.mu.Lock()
	u.byName[strings.ToLower(q.Name)]++
	u.mu.Unlock()
	m := new(dns.Msg)
	m.SetReply(req)
	m.RecursionAvailable = true
	name := strings.ToLower(q.Name)
	switch {
	case name == "big.example.test." && q.Qtype == dns.TypeTXT:
		for i := range 40 {
			m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 300},
				Txt: []string{fmt.Sprintf("%02d-%s", i, strings.Repeat("x", 60))}})
		}
	case strings.HasSuffix(name, ".example.test.") && q.Qtype == dns.TypeA:
		m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300}, A: net.IPv4(192, 0, 2, 10)})
	default:
		m.Rcode = dns.RcodeNameError
		m.Ns = append(m.Ns, &dns.SOA{Hdr: dns.RR_Header{Name: "example.test.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 600},
			Ns: "ns.example.test.", Mbox: "admin.example.test.", Serial: 1, Refresh: 60, Retry: 60, Expire: 600, Minttl: 30})
	}
	if o := req.IsEdns0(); o != nil {
		m.SetEdns0(o.UDPSize(), o.Do())
	}
	// The upstream itself truncates UDP answers past the asker's size.
	if _, ok := w.RemoteAddr().(*net.UDPAddr); ok {
		m.Truncate(udpSize(req))
	}
	_ = w.WriteMsg(m)
}

// count is how many times name was asked.
func (u *upstream) count(name string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.byName[name]
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// now reads the clock.
func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// advance moves the clock on.
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// startServer starts landns on 127.0.0.1:0 in front of up, with a test
// clock, and closes it at the end of the test.
func startServer(tb testing.TB, up *upstream, cfg Config) (*Server, *clock) {
	tb.Helper()
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	cfg.Addr = "127.0.0.1:0"
	if up != nil {
		cfg.Upstreams = []string{up.addr}
	}
	if cfg.Names == nil {
		cfg.Names = []string{"cozy.local", "alice-drive.local", "home.example", "*.home.example"}
		cfg.Addrs = []netip.Addr{netip.MustParseAddr("192.168.1.20"), netip.MustParseAddr("fd00::20")}
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.now = clk.now
	s, err := Start(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, clk
}

// ask sends one question over network ("udp" or "tcp") and returns the answer.
func ask(tb testing.TB, network, addr, name string, qtype uint16) *dns.Msg {
	tb.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	c := &dns.Client{Net: network, Timeout: 5 * time.Second}
	resp, _, err := c.Exchange(m, addr)
	if err != nil {
		tb.Fatalf("%s %s %s: %v", network, name, dns.TypeToString[qtype], err)
	}
	return resp
}
