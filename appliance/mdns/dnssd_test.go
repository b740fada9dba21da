package mdns

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/grandcat/zeroconf"
	"github.com/miekg/dns"
)

func TestDefaultServices(t *testing.T) {
	got := DefaultServices(443, 80)
	if len(got) != 3 || got[0].Type != "_cozy._tcp" || got[2].Port != 80 {
		t.Fatalf("%v", got)
	}
}

// browse looks for service from the peer side with zeroconf's resolver and
// returns the first entry named instance.
func browse(t *testing.T, service, instance string) *zeroconf.ServiceEntry {
	t.Helper()
	var res *zeroconf.Resolver
	inPeer(t, func(ifi *net.Interface) error {
		var err error
		res, err = zeroconf.NewResolver(zeroconf.SelectIfaces([]net.Interface{*ifi}), zeroconf.SelectIPTraffic(zeroconf.IPv4))
		return err
	})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	entries := make(chan *zeroconf.ServiceEntry)
	if err := res.Browse(ctx, service, "local.", entries); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case e, ok := <-entries:
			if !ok {
				t.Fatalf("%s: browse ended without %s", service, instance)
			}
			if e.Instance == instance {
				return e
			}
		case <-ctx.Done():
			t.Fatalf("%s: %s not found within %s", service, instance, wait)
		}
	}
}

// TestServicesAnnouncedUnderClaimedName browses from the peer with
// zeroconf's resolver, a client that knows nothing of our code.
func TestServicesAnnouncedUnderClaimedName(t *testing.T) {
	needLink(t)
	r, c := startBox(t, Config{Services: DefaultServices(443, 80), TXT: []string{"version=1", "instances=1"}})
	c.await(t, "cozy")
	e := browse(t, "_cozy._tcp", "cozy")
	if e.HostName != "cozy.local." || e.Port != 443 || !slices.Contains(e.Text, "instances=1") {
		t.Fatalf("entry %+v", e)
	}
	if len(e.AddrIPv4) == 0 || !e.AddrIPv4[0].Equal(boxV4.AsSlice()) {
		t.Fatalf("addresses %v", e.AddrIPv4)
	}
	if e := browse(t, "_http._tcp", "cozy"); e.Port != 80 {
		t.Fatalf("_http._tcp entry %+v", e)
	}

	// New addresses and TXT strings: announced again, seen by a new browse.
	moved := netip.MustParseAddr("192.0.2.9")
	if err := r.SetAddrs([]netip.Addr{moved}); err != nil {
		t.Fatal(err)
	}
	if err := r.SetTXT([]string{"version=1", "instances=2"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(wait)
	for {
		e := browse(t, "_https._tcp", "cozy")
		if len(e.AddrIPv4) == 1 && e.AddrIPv4[0].Equal(moved.AsSlice()) && slices.Contains(e.Text, "instances=2") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after SetAddrs and SetTXT: %+v", e)
		}
	}
}

func TestServiceLookup(t *testing.T) {
	set := serviceSet{list: DefaultServices(443, 80), txt: []string{"version=1"}}
	addrs := func() []dns.RR { return hostRRs("cozy-2.local.", testAddrs, dns.TypeANY, hostTTL, true) }
	tests := []struct {
		q              dns.Question
		answers, extra int
		ok             bool
	}{
		{dns.Question{Name: servicesEnum, Qtype: dns.TypePTR}, 3, 0, true},
		{dns.Question{Name: "_COZY._tcp.local.", Qtype: dns.TypePTR}, 1, 4, true},
		{dns.Question{Name: "cozy-2._https._tcp.local.", Qtype: dns.TypeSRV}, 1, 2, true},
		{dns.Question{Name: "cozy-2._https._tcp.local.", Qtype: dns.TypeANY}, 2, 2, true},
		{dns.Question{Name: "cozy-2._https._tcp.local.", Qtype: dns.TypeA}, 0, 0, true},
		{dns.Question{Name: "cozy._https._tcp.local.", Qtype: dns.TypeSRV}, 0, 0, false},
		{dns.Question{Name: "_ipp._tcp.local.", Qtype: dns.TypePTR}, 0, 0, false},
	}
	for _, tc := range tests {
		a, e, ok := set.lookup(tc.q, "cozy-2", "cozy-2.local.", addrs)
		if len(a) != tc.answers || len(e) != tc.extra || ok != tc.ok {
			t.Errorf("%v: %d answers, %d extra, ok %v", tc.q, len(a), len(e), ok)
		}
	}
	for _, rr := range set.records("cozy-2", "cozy-2.local.", false) {
		h := rr.Header()
		shared := h.Rrtype == dns.TypePTR
		if shared == (h.Class&cacheFlush != 0) {
			t.Errorf("%v: shared records without, unique ones with the cache-flush bit", rr)
		}
	}
	for _, rr := range set.records("cozy-2", "cozy-2.local.", true) {
		if rr.Header().Ttl != 0 {
			t.Errorf("goodbye %v", rr)
		}
	}
	if txt := (serviceSet{list: DefaultServices(1, 2)}).txtRR(DefaultServices(1, 2)[0], "x", false).(*dns.TXT); len(txt.Txt) != 1 || txt.Txt[0] != "" {
		t.Errorf("empty TXT %v", txt)
	}
}
