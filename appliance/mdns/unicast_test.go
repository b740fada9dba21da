package mdns

import (
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

func TestDirectUnicastQueryWithServicesRunning(t *testing.T) {
	needLink(t)
	p := newPeer(t)
	_, c := startBox(t, Config{Services: DefaultServices(443, 80)})
	c.await(t, "cozy")
	// Once browse sees the services, zeroconf's sockets on port 5353 were
	// bound after ours; a direct query must still reach the responder.
	browse(t, "_cozy._tcp", "cozy")
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
