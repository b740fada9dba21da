package mdns

import (
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestNameRename(t *testing.T) {
	n := &name{wanted: "cozy", attempt: 1, state: claimed}
	if n.label() != "cozy" || n.fqdn() != "cozy.local." {
		t.Fatalf("label %q fqdn %q", n.label(), n.fqdn())
	}
	now := time.Now()
	n.restart(now, 0, false)
	if n.label() != "cozy" || n.state != probing {
		t.Fatalf("re-probe without rename: %q %v", n.label(), n.state)
	}
	n.restart(now, 0, true)
	n.restart(now, 0, true)
	if n.label() != "cozy-3" || n.owned() {
		t.Fatalf("after two renames: %q", n.label())
	}
}

func TestValidLabel(t *testing.T) {
	for _, ok := range []string{"cozy", "alice-drive", "Box2"} {
		if err := validLabel(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a.b", "-a", "a-", "é", "a b", string(make([]byte, 60))} {
		if validLabel(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestLostTieBreak(t *testing.T) {
	low := hostRRs("cozy.local.", []netip.Addr{netip.MustParseAddr("192.0.2.1")}, dns.TypeANY, hostTTL, false)
	high := hostRRs("cozy.local.", []netip.Addr{netip.MustParseAddr("192.0.2.2")}, dns.TypeANY, hostTTL, false)
	both := hostRRs("cozy.local.", []netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1")}, dns.TypeANY, hostTTL, false)
	if !lostTieBreak(low, high) || lostTieBreak(high, low) {
		t.Fatal("the lexicographically later data must win")
	}
	if lostTieBreak(low, low) {
		t.Fatal("identical data is no conflict")
	}
	if !lostTieBreak(low, both) || lostTieBreak(both, low) {
		t.Fatal("with an equal prefix the longer set must win")
	}
	// The cache-flush bit and the TTL take no part.
	flushed := hostRRs("cozy.local.", []netip.Addr{netip.MustParseAddr("192.0.2.1")}, dns.TypeANY, 5, true)
	if lostTieBreak(low, flushed) || lostTieBreak(flushed, low) {
		t.Fatal("class bit or TTL changed the tie-break")
	}
}

func TestConflicts(t *testing.T) {
	mine := netip.MustParseAddr("192.0.2.1")
	own := func(a netip.Addr) bool { return a == mine }
	ours := hostRRs("cozy.local.", []netip.Addr{mine}, dns.TypeA, hostTTL, true)[0]
	theirs := hostRRs("cozy.local.", []netip.Addr{netip.MustParseAddr("192.0.2.2")}, dns.TypeA, hostTTL, true)[0]
	gone := hostRRs("cozy.local.", []netip.Addr{netip.MustParseAddr("192.0.2.2")}, dns.TypeA, 0, false)[0]
	txt := &dns.TXT{Hdr: dns.RR_Header{Name: "cozy.local.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}, Txt: []string{"x"}}
	if conflicts(ours, own) || !conflicts(theirs, own) || conflicts(gone, own) || !conflicts(txt, own) {
		t.Fatal("conflict rules")
	}
	if conflicts(nsec("cozy.local.", []netip.Addr{mine}, hostTTL, true), own) {
		t.Fatal("an NSEC is no claim")
	}
}

func TestRecordsFor(t *testing.T) {
	rrs := append(hostRRs("cozy.local.", testAddrs, dns.TypeANY, 1, false), hostRRs("x.local.", testAddrs, dns.TypeA, 1, false)...)
	if got := recordsFor(rrs, "COZY.local."); len(got) != 2 {
		t.Fatalf("got %v", got)
	}
}
