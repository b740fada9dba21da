package mdns

import (
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
)

var testAddrs = []netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1")}

// ownedOnly serves one claimed name.
func ownedOnly(n *name) func(string) *name {
	return func(f string) *name {
		if f == n.fqdn() {
			return n
		}
		return nil
	}
}

// hosts answers host questions on the names owned finds, with testAddrs.
func hosts(owned func(string) *name) lookupFunc {
	return func(q dns.Question) ([]dns.RR, []dns.RR, *name) { return hostLookup(q, owned, testAddrs) }
}

func TestAnswerRouting(t *testing.T) {
	now := time.Now()
	mcast := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.2"), Port)
	legacy := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.2"), 40000)
	tests := []struct {
		name          string
		from          netip.AddrPort
		qname         string
		qtype         uint16
		qu            bool
		lastMulticast time.Time
		wantMulticast bool
		wantUnicast   bool
	}{
		{"QM question answered by multicast", mcast, "cozy.local.", dns.TypeA, false, time.Time{}, true, false},
		{"case-insensitive name", mcast, "CoZy.LOCAL.", dns.TypeA, false, time.Time{}, true, false},
		{"QU after a recent multicast: unicast", mcast, "cozy.local.", dns.TypeA, true, now.Add(-time.Second), false, true},
		{"QU with no recent multicast: multicast", mcast, "cozy.local.", dns.TypeA, true, now.Add(-time.Minute), true, false},
		{"legacy port: unicast", legacy, "cozy.local.", dns.TypeANY, false, time.Time{}, false, true},
		{"other name: nothing", mcast, "other.local.", dns.TypeA, false, time.Time{}, false, false},
		{"other type: nothing", mcast, "cozy.local.", dns.TypeTXT, false, time.Time{}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := &name{wanted: "cozy", attempt: 1, state: claimed, lastMulticast: tc.lastMulticast}
			q := new(dns.Msg)
			class := uint16(dns.ClassINET)
			if tc.qu {
				class |= cacheFlush
			}
			q.Question = []dns.Question{{Name: tc.qname, Qtype: tc.qtype, Qclass: class}}
			out := answer(q, tc.from, hosts(ownedOnly(n)), now)
			if (out.multicast != nil) != tc.wantMulticast || (out.unicast != nil) != tc.wantUnicast {
				t.Fatalf("multicast %v unicast %v", out.multicast, out.unicast)
			}
			if tc.wantMulticast && !n.lastMulticast.Equal(now) {
				t.Fatal("a multicast answer did not record its time")
			}
		})
	}
}

func TestAnswerLegacyShape(t *testing.T) {
	n := &name{wanted: "cozy", attempt: 1, state: claimed}
	q := new(dns.Msg)
	q.Id = 77
	q.Question = []dns.Question{{Name: "cozy.local.", Qtype: dns.TypeA, Qclass: dns.ClassINET}}
	out := answer(q, netip.MustParseAddrPort("192.0.2.2:40000"), hosts(ownedOnly(n)), time.Now())
	m := out.unicast
	if m == nil || m.Id != 77 || len(m.Question) != 1 || len(m.Answer) != 1 {
		t.Fatalf("legacy answer %v", m)
	}
	for _, rr := range append(m.Answer, m.Extra...) {
		if h := rr.Header(); h.Ttl != legacyTTL || h.Class != dns.ClassINET {
			t.Fatalf("legacy record %v", rr)
		}
	}
}

func TestAnswerKnownAnswerSuppression(t *testing.T) {
	n := &name{wanted: "cozy", attempt: 1, state: claimed}
	q := new(dns.Msg)
	q.Question = []dns.Question{{Name: "cozy.local.", Qtype: dns.TypeA, Qclass: dns.ClassINET}}
	known := hostRRs("cozy.local.", testAddrs[:1], dns.TypeA, hostTTL/2, false)
	q.Answer = known
	if out := answer(q, netip.MustParseAddrPort("192.0.2.2:5353"), hosts(ownedOnly(n)), time.Now()); out.multicast != nil || out.unicast != nil {
		t.Fatalf("answered a known answer: %v", out.multicast)
	}
	// Less than half the TTL left: answered again.
	known[0].Header().Ttl = hostTTL/2 - 1
	if out := answer(q, netip.MustParseAddrPort("192.0.2.2:5353"), hosts(ownedOnly(n)), time.Now()); out.multicast == nil {
		t.Fatal("a stale known answer suppressed the answer")
	}
}

func TestAnswerSkipsNamesStillProbing(t *testing.T) {
	n := &name{wanted: "cozy", attempt: 1, state: probing}
	q := new(dns.Msg)
	q.Question = []dns.Question{{Name: "cozy.local.", Qtype: dns.TypeA, Qclass: dns.ClassINET}}
	owned := func(f string) *name {
		if f == n.fqdn() && n.owned() {
			return n
		}
		return nil
	}
	if out := answer(q, netip.MustParseAddrPort("192.0.2.2:5353"), hosts(owned), time.Now()); out.multicast != nil {
		t.Fatal("answered for a name not yet won")
	}
}

func TestAnnouncementAndGoodbye(t *testing.T) {
	gone := []netip.Addr{netip.MustParseAddr("192.0.2.7")}
	m := announcement([]string{"cozy.local."}, testAddrs[:1], gone)
	if len(m.Answer) != 2 || len(m.Extra) != 1 {
		t.Fatalf("announcement %v", m)
	}
	if h := m.Answer[0].Header(); h.Ttl != hostTTL || h.Class != dns.ClassINET|cacheFlush {
		t.Fatalf("announced record %v", m.Answer[0])
	}
	if h := m.Answer[1].Header(); h.Ttl != 0 {
		t.Fatalf("goodbye for a gone address %v", m.Answer[1])
	}
	if nsec, ok := m.Extra[0].(*dns.NSEC); !ok || len(nsec.TypeBitMap) != 1 || nsec.TypeBitMap[0] != dns.TypeA {
		t.Fatalf("NSEC %v", m.Extra[0])
	}
	for _, rr := range goodbye([]string{"cozy.local."}, testAddrs).Answer {
		if rr.Header().Ttl != 0 {
			t.Fatalf("goodbye %v", rr)
		}
	}
}

func TestProbeQuery(t *testing.T) {
	m := probeQuery([]string{"cozy.local.", "alice-drive.local."}, testAddrs, true)
	if len(m.Question) != 2 || m.Question[0].Qtype != dns.TypeANY || m.Question[0].Qclass&cacheFlush == 0 {
		t.Fatalf("probe questions %v", m.Question)
	}
	if len(m.Ns) != 4 {
		t.Fatalf("probe authority %v", m.Ns)
	}
	if m.Response {
		t.Fatal("a probe is a query")
	}
}

func TestSameDataIgnoresTTLAndFlush(t *testing.T) {
	a := hostRRs("cozy.local.", testAddrs[:1], dns.TypeA, 10, true)[0]
	b := hostRRs("COZY.local.", testAddrs[:1], dns.TypeA, 120, false)[0]
	if !sameData(a, b) {
		t.Fatal("same data reported different")
	}
	c := hostRRs("cozy.local.", []netip.Addr{netip.MustParseAddr("192.0.2.3")}, dns.TypeA, 10, true)[0]
	if sameData(a, c) {
		t.Fatal("different addresses reported same")
	}
}
