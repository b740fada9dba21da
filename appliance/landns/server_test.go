package landns

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestServerAnswersOwnNames(t *testing.T) {
	up := startUpstream(t)
	s, _ := startServer(t, up, Config{})
	tests := []struct {
		name  string
		qtype uint16
		want  string
	}{
		{"cozy.local.", dns.TypeA, "192.168.1.20"},
		{"ALICE-DRIVE.local.", dns.TypeA, "192.168.1.20"},
		{"home.example.", dns.TypeAAAA, "fd00::20"},
		{"alice-photos.home.example.", dns.TypeA, "192.168.1.20"},
	}
	for _, tc := range tests {
		for _, network := range []string{"udp", "tcp"} {
			resp := ask(t, network, s.Addr(), tc.name, tc.qtype)
			if !resp.Authoritative || resp.Rcode != dns.RcodeSuccess || len(resp.Answer) != 1 {
				t.Fatalf("%s %s: %v", network, tc.name, resp)
			}
			if got := rrAddr(resp.Answer[0]); got != tc.want || resp.Answer[0].Header().Name != tc.name {
				t.Fatalf("%s %s: answer %v", network, tc.name, resp.Answer[0])
			}
		}
	}
	// No data for other types of our names, and upstream never asked.
	if resp := ask(t, "udp", s.Addr(), "cozy.local.", dns.TypeMX); resp.Rcode != dns.RcodeSuccess || len(resp.Answer) != 0 {
		t.Fatalf("MX of our name: %v", resp)
	}
	if n := up.queries.Load(); n != 0 {
		t.Fatalf("upstream asked %d times for our own names", n)
	}

	// The names follow SetRecords.
	s.SetRecords([]string{"cozy.local"}, []netip.Addr{netip.MustParseAddr("192.168.1.99")})
	if got := rrAddr(ask(t, "udp", s.Addr(), "cozy.local.", dns.TypeA).Answer[0]); got != "192.168.1.99" {
		t.Fatalf("after SetRecords: %s", got)
	}
}

func TestServerForwardsAndCaches(t *testing.T) {
	up := startUpstream(t)
	s, clk := startServer(t, up, Config{})
	resp := ask(t, "udp", s.Addr(), "www.example.test.", dns.TypeA)
	if resp.Rcode != dns.RcodeSuccess || rrAddr(resp.Answer[0]) != "192.0.2.10" || resp.Authoritative {
		t.Fatalf("forwarded answer %v", resp)
	}
	// Cache hits (any case, UDP or TCP) do not reach the upstream, and the
	// TTL counts down with the clock.
	clk.advance(100 * time.Second)
	for _, network := range []string{"udp", "tcp"} {
		resp = ask(t, network, s.Addr(), "WWW.example.test.", dns.TypeA)
		if rrAddr(resp.Answer[0]) != "192.0.2.10" || resp.Answer[0].Header().Ttl != 200 || resp.Question[0].Name != "WWW.example.test." {
			t.Fatalf("%s cached answer %v", network, resp)
		}
	}
	if n := up.count("www.example.test."); n != 1 {
		t.Fatalf("upstream asked %d times, want 1", n)
	}
	// Expired: asked again.
	clk.advance(201 * time.Second)
	ask(t, "udp", s.Addr(), "www.example.test.", dns.TypeA)
	if n := up.count("www.example.test."); n != 2 {
		t.Fatalf("after expiry upstream asked %d times, want 2", n)
	}
	// Negative answers are forwarded and cached for the SOA minimum (30 s).
	if resp := ask(t, "udp", s.Addr(), "nothing.test.", dns.TypeA); resp.Rcode != dns.RcodeNameError {
		t.Fatalf("NXDOMAIN forwarded as %v", resp)
	}
	ask(t, "udp", s.Addr(), "nothing.test.", dns.TypeA)
	clk.advance(31 * time.Second)
	ask(t, "udp", s.Addr(), "nothing.test.", dns.TypeA)
	if n := up.count("nothing.test."); n != 2 {
		t.Fatalf("negative answer asked upstream %d times, want 2", n)
	}
}

func TestServerRateLimit(t *testing.T) {
	up := startUpstream(t)
	s, clk := startServer(t, up, Config{RatePerClient: 1, RateBurst: 5})
	for i := range 5 {
		if resp := ask(t, "udp", s.Addr(), "cozy.local.", dns.TypeA); resp.Rcode != dns.RcodeSuccess {
			t.Fatalf("query %d within the budget: %v", i, dns.RcodeToString[resp.Rcode])
		}
	}
	for _, network := range []string{"udp", "tcp"} {
		if resp := ask(t, network, s.Addr(), "www.example.test.", dns.TypeA); resp.Rcode != dns.RcodeRefused {
			t.Fatalf("%s past the budget: %v", network, dns.RcodeToString[resp.Rcode])
		}
	}
	if up.queries.Load() != 0 {
		t.Fatal("a refused query reached the upstream")
	}
	// The bucket refills at the configured rate.
	clk.advance(time.Second)
	if resp := ask(t, "udp", s.Addr(), "cozy.local.", dns.TypeA); resp.Rcode != dns.RcodeSuccess {
		t.Fatalf("after refill: %v", dns.RcodeToString[resp.Rcode])
	}
}

func TestServerAllowedClients(t *testing.T) {
	s, _ := startServer(t, nil, Config{AllowedClients: []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}})
	if resp := ask(t, "udp", s.Addr(), "cozy.local.", dns.TypeA); resp.Rcode != dns.RcodeRefused {
		t.Fatalf("client outside the LAN prefixes: %v", dns.RcodeToString[resp.Rcode])
	}
	// The LAN prefixes follow SetAllowedClients (the test client is loopback).
	s.SetAllowedClients([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	if resp := ask(t, "udp", s.Addr(), "cozy.local.", dns.TypeA); resp.Rcode != dns.RcodeSuccess {
		t.Fatalf("client inside the new prefixes: %v", dns.RcodeToString[resp.Rcode])
	}
}

// TestServerOnGivenSockets serves on sockets opened by the caller, as
// systemd passes them, and closes them on Close.
func TestServerOnGivenSockets(t *testing.T) {
	pc, ln, err := listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(context.Background(), Config{PacketConn: pc, Listener: ln, Names: []string{"cozy.local"},
		Addrs: []netip.Addr{netip.MustParseAddr("192.168.1.20")}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if s.Addr() != pc.LocalAddr().String() {
		t.Fatalf("serves on %s, not on the given %s", s.Addr(), pc.LocalAddr())
	}
	for _, network := range []string{"udp", "tcp"} {
		if got := rrAddr(ask(t, network, s.Addr(), "cozy.local.", dns.TypeA).Answer[0]); got != "192.168.1.20" {
			t.Fatalf("%s: %s", network, got)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ln.Accept(); err == nil {
		t.Fatal("the given listener is still open after Close")
	}
	if _, err := Start(context.Background(), Config{PacketConn: pc}); err == nil {
		t.Fatal("a PacketConn without Listener was accepted")
	}
}

func TestServerTruncatesOverUDP(t *testing.T) {
	up := startUpstream(t)
	s, _ := startServer(t, up, Config{})
	udp := ask(t, "udp", s.Addr(), "big.example.test.", dns.TypeTXT)
	if !udp.Truncated || len(udp.Answer) >= 40 {
		t.Fatalf("UDP answer of %d records, TC %v", len(udp.Answer), udp.Truncated)
	}
	udp.Compress = true // as sent
	if b, _ := udp.Pack(); len(b) > dns.MinMsgSize {
		t.Fatalf("UDP answer of %d octets", len(b))
	}
	tcp := ask(t, "tcp", s.Addr(), "big.example.test.", dns.TypeTXT)
	if tcp.Truncated || len(tcp.Answer) != 40 {
		t.Fatalf("TCP answer of %d records, TC %v", len(tcp.Answer), tcp.Truncated)
	}
	// A client with a large EDNS buffer gets it all over UDP.
	m := new(dns.Msg)
	m.SetQuestion("big.example.test.", dns.TypeTXT)
	m.SetEdns0(4096, false)
	resp, _, err := (&dns.Client{Net: "udp", UDPSize: 4096}).Exchange(m, s.Addr())
	if err != nil || resp.Truncated || len(resp.Answer) != 40 || resp.IsEdns0() == nil {
		t.Fatalf("EDNS UDP answer: %v %v", err, resp)
	}
}

func TestServerUpstreamFailure(t *testing.T) {
	// An upstream that never answers: a closed UDP port on loopback.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := pc.LocalAddr().String()
	pc.Close()
	up := startUpstream(t)
	s, _ := startServer(t, nil, Config{Upstreams: []string{dead, up.addr}, UpstreamTimeout: time.Second})
	// The first upstream fails, the second answers.
	if resp := ask(t, "udp", s.Addr(), "www.example.test.", dns.TypeA); resp.Rcode != dns.RcodeSuccess {
		t.Fatalf("fallback: %v", resp)
	}
	s2, _ := startServer(t, nil, Config{Upstreams: []string{dead}, UpstreamTimeout: time.Second})
	if resp := ask(t, "udp", s2.Addr(), "www.example.test.", dns.TypeA); resp.Rcode != dns.RcodeServerFailure {
		t.Fatalf("no upstream: %v", dns.RcodeToString[resp.Rcode])
	}
}

func TestServerCloseIsIdempotent(t *testing.T) {
	s, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// rrAddr is the address of an A or AAAA record.
func rrAddr(rr dns.RR) string {
	switch r := rr.(type) {
	case *dns.A:
		return r.A.String()
	case *dns.AAAA:
		return r.AAAA.String()
	}
	return ""
}

func TestListenOnePortForBoth(t *testing.T) {
	pc, ln, err := listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	defer ln.Close()
	if pc.LocalAddr().String() != ln.Addr().String() {
		t.Fatalf("udp %s tcp %s", pc.LocalAddr(), ln.Addr())
	}
	// A fixed port already taken for TCP is an error, not a silent move.
	if _, _, err := listen(ln.Addr().String()); err == nil {
		t.Fatal("listened on a taken port")
	}
}
