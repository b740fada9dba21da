package mdns

import (
	"net"
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

func TestDirectUnicastQueryWithAnotherStackOnPort5353(t *testing.T) {
	needLink(t)
	p := newPeer(t)
	_, c := startBox(t, Config{})
	c.await(t, "cozy")
	// Another mDNS stack on the box (avahi, zeroconf) binds the wildcard
	// address on 5353 after us: the kernel now gives it direct unicast
	// queries, unless the responder has a socket on its own address.
	other, err := net.ListenMulticastUDP("udp4", boxInterface(t), &net.UDPAddr{IP: groupV4.AsSlice(), Port: Port})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	q := question("cozy.local.", dns.TypeA, false)
	q.Id = 31337
	p.legacyQuery(t, q, netip.AddrPortFrom(boxV4, Port))
	r := p.await(t, "answer to a direct unicast query", func(r received) bool { return r.msg.Response && r.msg.Id == 31337 })
	if _, ok := hasAddr(r.msg.Answer, "cozy.local.", boxV4); !ok || r.src != netip.AddrPortFrom(boxV4, Port) {
		t.Fatalf("answer %v from %v", r.msg, r.src)
	}
}

func TestListenUnicastNeedsAnOwnAddress(t *testing.T) {
	needLink(t)
	if _, err := listenUnicast(boxInterface(t), netip.MustParseAddr("192.0.2.99")); err == nil {
		t.Fatal("bound an address this host does not have")
	}
	c, err := listenUnicast(boxInterface(t), boxV4)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
