package mdns

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// wait bounds every wait for a packet or a claim. It is a failure deadline,
// never a synchronisation sleep.
const wait = 10 * time.Second

// peer is a querier on the other end of the link: sockets on port 5353 in
// both groups (they see multicast answers and unicast QU answers) and an
// ephemeral socket for legacy queries.
type peer struct {
	v4     *ipv4.PacketConn
	v6     *ipv6.PacketConn
	legacy *net.UDPConn
	in     chan received
}

// received is one datagram the peer got, with its destination address.
type received struct {
	msg *dns.Msg
	dst netip.Addr
	src netip.AddrPort
}

// newPeer opens the peer's sockets in the peer namespace and reads them
// until the test ends.
func newPeer(t *testing.T) *peer {
	t.Helper()
	p := &peer{in: make(chan received, 256)}
	inPeer(t, func(ifi *net.Interface) error {
		u4, err := net.ListenMulticastUDP("udp4", ifi, &net.UDPAddr{IP: groupV4.AsSlice(), Port: Port})
		if err != nil {
			return err
		}
		p.v4 = ipv4.NewPacketConn(u4)
		u6, err := net.ListenMulticastUDP("udp6", ifi, &net.UDPAddr{IP: groupV6.AsSlice(), Port: Port})
		if err != nil {
			return err
		}
		p.v6 = ipv6.NewPacketConn(u6)
		p.legacy, err = net.ListenUDP("udp4", &net.UDPAddr{IP: peerV4.AsSlice()})
		if err != nil {
			return err
		}
		return errors.Join(p.v4.SetControlMessage(ipv4.FlagDst, true), p.v6.SetControlMessage(ipv6.FlagDst, true),
			p.v4.SetMulticastTTL(255), p.v6.SetMulticastHopLimit(255))
	})
	done := make(chan struct{}, 3)
	go func() {
		defer func() { done <- struct{}{} }()
		buf := make([]byte, 9000)
		for {
			n, cm, src, err := p.v4.ReadFrom(buf)
			if err != nil {
				return
			}
			var dst netip.Addr
			if cm != nil {
				dst, _ = netip.AddrFromSlice(cm.Dst.To4())
			}
			p.push(buf[:n], dst, src)
		}
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		buf := make([]byte, 9000)
		for {
			n, cm, src, err := p.v6.ReadFrom(buf)
			if err != nil {
				return
			}
			var dst netip.Addr
			if cm != nil {
				dst, _ = netip.AddrFromSlice(cm.Dst)
			}
			p.push(buf[:n], dst, src)
		}
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		buf := make([]byte, 9000)
		for {
			n, src, err := p.legacy.ReadFrom(buf)
			if err != nil {
				return
			}
			p.push(buf[:n], peerV4, src)
		}
	}()
	t.Cleanup(func() {
		p.v4.Close()
		p.v6.Close()
		p.legacy.Close()
		for range 3 {
			<-done
		}
	})
	return p
}

// push queues a parsed datagram, dropping it when the test reads too slowly.
func (p *peer) push(b []byte, dst netip.Addr, src net.Addr) {
	m := new(dns.Msg)
	if m.Unpack(b) != nil {
		return
	}
	select {
	case p.in <- received{msg: m, dst: dst, src: addrPort(src)}:
	default:
	}
}

// await returns the first datagram that satisfies match, failing the test
// after wait.
func (p *peer) await(t *testing.T, what string, match func(received) bool) received {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case r := <-p.in:
			if match(r) {
				return r
			}
		case <-deadline:
			t.Fatalf("peer: no %s within %s", what, wait)
		}
	}
}

// query sends m from the port-5353 socket to the group of family v6.
func (p *peer) query(t *testing.T, m *dns.Msg, v6 bool) {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	if v6 {
		_, err = p.v6.WriteTo(b, nil, &net.UDPAddr{IP: groupV6.AsSlice(), Port: Port, Zone: peerIf})
	} else {
		_, err = p.v4.WriteTo(b, nil, &net.UDPAddr{IP: groupV4.AsSlice(), Port: Port})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// legacyQuery sends m from the ephemeral socket to dst.
func (p *peer) legacyQuery(t *testing.T, m *dns.Msg, dst netip.AddrPort) {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.legacy.WriteTo(b, net.UDPAddrFromAddrPort(dst)); err != nil {
		t.Fatal(err)
	}
}

// claims collects OnClaim calls.
type claims struct {
	ch   chan [2]string
	seen map[string]string // read by await only
}

// newClaims makes an empty collector.
func newClaims() *claims { return &claims{ch: make(chan [2]string, 64), seen: map[string]string{}} }

// onClaim is the Config.OnClaim that feeds c.
func (c *claims) onClaim(wanted, got string) { c.ch <- [2]string{wanted, got} }

// await waits until wanted is claimed and returns the label it got.
func (c *claims) await(t *testing.T, wanted string) string {
	t.Helper()
	deadline := time.After(wait)
	for {
		if got, ok := c.seen[wanted]; ok {
			delete(c.seen, wanted)
			return got
		}
		select {
		case cl := <-c.ch:
			c.seen[cl[0]] = cl[1]
		case <-deadline:
			t.Fatalf("%s not claimed within %s", wanted, wait)
		}
	}
}

// startBox starts a responder on the box side of the link and closes it at
// the end of the test.
func startBox(t *testing.T, cfg Config) (*Responder, *claims) {
	t.Helper()
	c := newClaims()
	cfg.Interface = boxInterface(t)
	cfg.OnClaim = c.onClaim
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	if cfg.Addrs == nil {
		cfg.Addrs = []netip.Addr{boxV4, boxV6}
	}
	r, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, c
}

// hasAddr tells whether section holds an A/AAAA record for name with addr.
func hasAddr(section []dns.RR, name string, addr netip.Addr) (dns.RR, bool) {
	for _, rr := range section {
		if rr.Header().Name != name {
			continue
		}
		var ip net.IP
		switch r := rr.(type) {
		case *dns.A:
			ip = r.A
		case *dns.AAAA:
			ip = r.AAAA
		default:
			continue
		}
		if a, ok := netip.AddrFromSlice(ip); ok && a.Unmap() == addr {
			return rr, true
		}
	}
	return nil, false
}

// question makes a one-question query; qu sets the unicast-response bit.
func question(n string, qtype uint16, qu bool) *dns.Msg {
	m := new(dns.Msg)
	m.Id = 0
	m.RecursionDesired = false
	class := uint16(dns.ClassINET)
	if qu {
		class |= cacheFlush
	}
	m.Question = []dns.Question{{Name: n, Qtype: qtype, Qclass: class}}
	return m
}

func TestPeerHelpersNeedNetns(t *testing.T) {
	if os.Getenv(envPeer) == "" && netnsMissing == "" && !testing.Short() {
		t.Fatal("TestMain neither re-ran in a namespace nor said why it could not")
	}
}
