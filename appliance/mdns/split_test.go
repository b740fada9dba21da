package mdns

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// manyNames are the names of a box with 20 instances of 10 apps.
func manyNames() []string {
	var names []string
	for i := range 20 {
		names = append(names, fqdn(fmt.Sprintf("user%02d", i)))
		for j := range 10 {
			names = append(names, fqdn(fmt.Sprintf("user%02d-app%d", i, j)))
		}
	}
	return names
}

var splitAddrs = []netip.Addr{netip.MustParseAddr("192.168.1.20"), netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("fe80::1")}

// TestSplitAnnouncement cuts the announcement of 220 names into packets
// that fit one frame, losing no record and keeping each name's records
// (the addresses and the NSEC) in one packet.
func TestSplitAnnouncement(t *testing.T) {
	m := announcement(manyNames(), splitAddrs[:2], splitAddrs[2:])
	wantAnswers, wantExtra := len(m.Answer), len(m.Extra)
	parts := split(m, maxPacket)
	if len(parts) < 2 {
		t.Fatalf("%d parts", len(parts))
	}
	where := map[string]int{}
	answers, extra := 0, 0
	for i, p := range parts {
		b, err := p.Pack()
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > maxPacket {
			t.Errorf("part %d: %d octets", i, len(b))
		}
		if !p.Response || !p.Authoritative {
			t.Errorf("part %d lost the header: %+v", i, p.MsgHdr)
		}
		for _, rr := range append(append([]dns.RR{}, p.Answer...), p.Extra...) {
			n := strings.ToLower(rr.Header().Name)
			if j, ok := where[n]; ok && j != i {
				t.Errorf("%s is in parts %d and %d", n, j, i)
			}
			where[n] = i
		}
		answers += len(p.Answer)
		extra += len(p.Extra)
	}
	if answers != wantAnswers || extra != wantExtra || len(where) != len(manyNames()) {
		t.Fatalf("records %d+%d of %d+%d, names %d", answers, extra, wantAnswers, wantExtra, len(where))
	}
}

// TestSplitProbe keeps each probe question with its proposed records.
func TestSplitProbe(t *testing.T) {
	m := probeQuery(manyNames(), splitAddrs, true)
	parts := split(m, maxPacket)
	questions := 0
	for i, p := range parts {
		if b, _ := p.Pack(); len(b) > maxPacket {
			t.Errorf("part %d: %d octets", i, len(b))
		}
		for _, q := range p.Question {
			if got := recordsFor(p.Ns, q.Name); len(got) != len(splitAddrs) {
				t.Errorf("part %d: %s with %d proposed records", i, q.Name, len(got))
			}
		}
		if len(p.Ns) != len(p.Question)*len(splitAddrs) {
			t.Errorf("part %d: records of names not asked", i)
		}
		questions += len(p.Question)
	}
	if questions != len(manyNames()) {
		t.Fatalf("%d questions", questions)
	}
}

// TestSplitSmall leaves a message that fits alone.
func TestSplitSmall(t *testing.T) {
	m := announcement([]string{fqdn("cozy")}, splitAddrs, nil)
	if parts := split(m, maxPacket); len(parts) != 1 || parts[0] != m {
		t.Fatalf("%d parts", len(parts))
	}
}
