package authdns

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/libdns/libdns"
	"github.com/libdns/rfc2136"
	"github.com/miekg/dns"
)

const (
	testKey    = "cozy-box."
	testSecret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYg=="
)

func startTest(t *testing.T) *Server {
	t.Helper()
	s, err := Start(context.Background(), Config{Zone: "Home.Example", Addr: "127.0.0.1:0", Keys: map[string]string{testKey: testSecret}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func provider(s *Server) *rfc2136.Provider {
	return &rfc2136.Provider{KeyName: testKey, KeyAlg: dns.HmacSHA256, Key: testSecret, Server: s.Addr()}
}

func ask(t *testing.T, network, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	resp, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s %s: %v", network, name, dns.TypeToString[qtype], err)
	}
	return resp
}

func TestApexAndNegativeAnswers(t *testing.T) {
	s := startTest(t)
	for _, network := range []string{"udp", "tcp"} {
		soa := ask(t, network, s.Addr(), "home.example.", dns.TypeSOA)
		if !soa.Authoritative || len(soa.Answer) != 1 || soa.Answer[0].(*dns.SOA).Serial != s.Serial() {
			t.Fatalf("%s SOA: %v", network, soa)
		}
		ns := ask(t, network, s.Addr(), "HOME.example.", dns.TypeNS)
		if len(ns.Answer) != 1 || ns.Answer[0].(*dns.NS).Ns != "ns.home.example." || ns.Answer[0].Header().Name != "HOME.example." {
			t.Fatalf("%s NS: %v", network, ns)
		}
		// No SOA below the apex: the SOA comes in the authority section so
		// that a resolver (certmagic's zone lookup) finds the apex.
		below := ask(t, network, s.Addr(), "_acme-challenge.home.example.", dns.TypeSOA)
		if below.Rcode != dns.RcodeNameError || len(below.Answer) != 0 || len(below.Ns) != 1 || below.Ns[0].Header().Name != "home.example." {
			t.Fatalf("%s SOA below apex: %v", network, below)
		}
		// Apex exists without A: NODATA.
		nodata := ask(t, network, s.Addr(), "home.example.", dns.TypeA)
		if nodata.Rcode != dns.RcodeSuccess || len(nodata.Answer) != 0 || len(nodata.Ns) != 1 {
			t.Fatalf("%s NODATA: %v", network, nodata)
		}
		out := ask(t, network, s.Addr(), "example.org.", dns.TypeA)
		if out.Rcode != dns.RcodeRefused || out.Authoritative {
			t.Fatalf("%s out of zone: %v", network, out)
		}
	}
}

func TestUpdatesThroughLibdnsProvider(t *testing.T) {
	s := startTest(t)
	p := provider(s)
	ctx := context.Background()
	serial := s.Serial()

	// Two TXT values at one name, as the apex and wildcard challenges do,
	// one of them longer than a character-string.
	long := strings.Repeat("x", 300)
	recs := []libdns.Record{
		libdns.TXT{Name: "_acme-challenge", TTL: 10 * time.Second, Text: "token-1"},
		libdns.TXT{Name: "_acme-challenge", TTL: 10 * time.Second, Text: long},
	}
	if _, err := p.AppendRecords(ctx, "home.example.", recs); err != nil {
		t.Fatal(err)
	}
	if s.Serial() != serial+1 {
		t.Fatalf("serial %d after update, want %d", s.Serial(), serial+1)
	}
	for _, network := range []string{"udp", "tcp"} {
		resp := ask(t, network, s.Addr(), "_acme-challenge.home.example.", dns.TypeTXT)
		var got []string
		for _, rr := range resp.Answer {
			got = append(got, strings.Join(rr.(*dns.TXT).Txt, ""))
		}
		if !resp.Authoritative || len(got) != 2 || !(got[0] == "token-1" && got[1] == long || got[1] == "token-1" && got[0] == long) {
			t.Fatalf("%s TXT: %v", network, resp)
		}
	}
	// Delete one value: the other stays.
	if _, err := p.DeleteRecords(ctx, "home.example.", recs[:1]); err != nil {
		t.Fatal(err)
	}
	if resp := ask(t, "udp", s.Addr(), "_acme-challenge.home.example.", dns.TypeTXT); len(resp.Answer) != 1 {
		t.Fatalf("after delete: %v", resp)
	}

	// SetRecords replaces A/AAAA of the apex and the wildcard, which then
	// answers every name below without records of its own.
	set := func(v4, v6 string) {
		t.Helper()
		_, err := p.SetRecords(ctx, "home.example.", []libdns.Record{
			libdns.Address{Name: "@", TTL: time.Minute, IP: netip.MustParseAddr(v4)},
			libdns.Address{Name: "@", TTL: time.Minute, IP: netip.MustParseAddr(v6)},
			libdns.Address{Name: "*", TTL: time.Minute, IP: netip.MustParseAddr(v4)},
			libdns.Address{Name: "*", TTL: time.Minute, IP: netip.MustParseAddr(v6)},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	set("192.168.1.20", "fd00::20")
	set("192.168.1.21", "fd00::21")
	for _, name := range []string{"home.example.", "alice.home.example.", "alice-drive.home.example.", "a.b.home.example."} {
		a := ask(t, "udp", s.Addr(), name, dns.TypeA)
		aaaa := ask(t, "tcp", s.Addr(), name, dns.TypeAAAA)
		if len(a.Answer) != 1 || a.Answer[0].(*dns.A).A.String() != "192.168.1.21" || a.Answer[0].Header().Name != name {
			t.Fatalf("A %s: %v", name, a)
		}
		if len(aaaa.Answer) != 1 || aaaa.Answer[0].(*dns.AAAA).AAAA.String() != "fd00::21" {
			t.Fatalf("AAAA %s: %v", name, aaaa)
		}
	}
	// The wildcard does not cover a name that exists (the challenge name
	// has TXT only) nor a name below one that exists.
	if resp := ask(t, "udp", s.Addr(), "_acme-challenge.home.example.", dns.TypeA); len(resp.Answer) != 0 || resp.Rcode != dns.RcodeSuccess {
		t.Fatalf("wildcard over an existing name: %v", resp)
	}
	if resp := ask(t, "udp", s.Addr(), "x._acme-challenge.home.example.", dns.TypeA); resp.Rcode != dns.RcodeNameError {
		t.Fatalf("wildcard below an existing name: %v", resp)
	}
	// Out-of-zone updates are refused as a whole.
	if _, err := p.AppendRecords(ctx, "example.org.", recs[:1]); err == nil {
		t.Fatal("update of another zone accepted")
	}
}

func TestUpdateNeedsValidSignature(t *testing.T) {
	s := startTest(t)
	ctx := context.Background()
	rec := []libdns.Record{libdns.TXT{Name: "x", Text: "y"}}
	wrong := provider(s)
	wrong.Key = "d3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmc="
	if _, err := wrong.AppendRecords(ctx, "home.example.", rec); err == nil {
		t.Fatal("update with a wrong secret accepted")
	}
	unknown := provider(s)
	unknown.KeyName = "someone-else."
	if _, err := unknown.AppendRecords(ctx, "home.example.", rec); err == nil {
		t.Fatal("update with an unknown key accepted")
	}
	// Unsigned.
	m := new(dns.Msg)
	m.SetUpdate("home.example.")
	rr, _ := dns.NewRR(`x.home.example. 60 IN TXT "y"`)
	m.Insert([]dns.RR{rr})
	resp, _, err := (&dns.Client{Net: "tcp"}).Exchange(m, s.Addr())
	if err != nil || resp.Rcode != dns.RcodeRefused {
		t.Fatalf("unsigned update: %v %v", resp, err)
	}
	if resp := ask(t, "udp", s.Addr(), "x.home.example.", dns.TypeTXT); resp.Rcode != dns.RcodeNameError {
		t.Fatalf("a refused update changed the zone: %v", resp)
	}
}

func TestPrerequisites(t *testing.T) {
	s := startTest(t)
	send := func(build func(m *dns.Msg)) int {
		t.Helper()
		m := new(dns.Msg)
		m.SetUpdate("home.example.")
		build(m)
		m.SetTsig(testKey, dns.HmacSHA256, 300, time.Now().Unix())
		c := &dns.Client{Net: "tcp", TsigSecret: map[string]string{testKey: testSecret}}
		resp, _, err := c.Exchange(m, s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if resp.IsTsig() == nil {
			t.Fatal("answer to a signed update is not signed")
		}
		return resp.Rcode
	}
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a := rr("box.home.example. 60 IN A 192.168.1.20")
	// "Name not in use" holds: add.
	if rc := send(func(m *dns.Msg) { m.NameNotUsed([]dns.RR{a}); m.Insert([]dns.RR{a}) }); rc != dns.RcodeSuccess {
		t.Fatalf("first add: %s", dns.RcodeToString[rc])
	}
	// Again: the name is in use now.
	if rc := send(func(m *dns.Msg) { m.NameNotUsed([]dns.RR{a}); m.Insert([]dns.RR{a}) }); rc != dns.RcodeYXDomain {
		t.Fatalf("second add: %s", dns.RcodeToString[rc])
	}
	// RRset exists (value dependent), with the right and a wrong value.
	if rc := send(func(m *dns.Msg) { m.Used([]dns.RR{a}) }); rc != dns.RcodeSuccess {
		t.Fatalf("value-dependent: %s", dns.RcodeToString[rc])
	}
	if rc := send(func(m *dns.Msg) { m.Used([]dns.RR{rr("box.home.example. 60 IN A 192.168.1.99")}) }); rc != dns.RcodeNXRrset {
		t.Fatalf("value-dependent mismatch: %s", dns.RcodeToString[rc])
	}
	// RRset exists / does not (value independent).
	if rc := send(func(m *dns.Msg) { m.RRsetUsed([]dns.RR{rr("box.home.example. 60 IN AAAA ::1")}) }); rc != dns.RcodeNXRrset {
		t.Fatalf("RRsetUsed AAAA: %s", dns.RcodeToString[rc])
	}
	if rc := send(func(m *dns.Msg) { m.RRsetNotUsed([]dns.RR{a}) }); rc != dns.RcodeYXRrset {
		t.Fatalf("RRsetNotUsed A: %s", dns.RcodeToString[rc])
	}
	// A failed prerequisite leaves the update section unapplied.
	serial := s.Serial()
	if rc := send(func(m *dns.Msg) {
		m.NameUsed([]dns.RR{rr("nobody.home.example. 60 IN A 192.0.2.1")})
		m.RemoveName([]dns.RR{a})
	}); rc != dns.RcodeNameError {
		t.Fatalf("NameUsed of a missing name: %s", dns.RcodeToString[rc])
	}
	if s.Serial() != serial || len(ask(t, "udp", s.Addr(), "box.home.example.", dns.TypeA).Answer) != 1 {
		t.Fatal("update applied despite a failed prerequisite")
	}
	// Out-of-zone names in the update section: NOTZONE, nothing applied.
	if rc := send(func(m *dns.Msg) {
		m.RemoveName([]dns.RR{a})
		m.Insert([]dns.RR{rr("x.example.org. 60 IN A 192.0.2.1")})
	}); rc != dns.RcodeNotZone {
		t.Fatalf("out-of-zone update: %s", dns.RcodeToString[rc])
	}
	// RemoveName deletes every type; the apex SOA and NS cannot be removed.
	if rc := send(func(m *dns.Msg) {
		m.RemoveName([]dns.RR{a})
		m.RemoveRRset([]dns.RR{rr("home.example. 60 IN NS ns.home.example.")})
	}); rc != dns.RcodeSuccess {
		t.Fatalf("RemoveName: %s", dns.RcodeToString[rc])
	}
	if resp := ask(t, "udp", s.Addr(), "box.home.example.", dns.TypeA); resp.Rcode != dns.RcodeNameError {
		t.Fatalf("after RemoveName: %v", resp)
	}
	if resp := ask(t, "udp", s.Addr(), "home.example.", dns.TypeNS); len(resp.Answer) != 1 {
		t.Fatalf("apex NS removed: %v", resp)
	}
}
