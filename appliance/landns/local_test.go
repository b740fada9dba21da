package landns

import (
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

func TestLocalNames(t *testing.T) {
	var l local
	l.set([]string{"cozy.local", "home.example.", "*.home.example"}, []netip.Addr{netip.MustParseAddr("192.168.1.20")})
	for name, want := range map[string]bool{
		"cozy.local.":            true,
		"COZY.LOCAL":             true,
		"home.example.":          true,
		"a.home.example.":        true,
		"a.b.home.example.":      true,
		"xhome.example.":         false,
		"other.local.":           false,
		"home.example.evil.com.": false,
	} {
		if got := l.owns(name); got != want {
			t.Errorf("owns(%q) = %v", name, got)
		}
	}
	req := new(dns.Msg)
	req.SetQuestion("Cozy.Local.", dns.TypeAAAA)
	if m := l.answer(req); len(m.Answer) != 0 || !m.Authoritative || m.Rcode != dns.RcodeSuccess {
		t.Fatalf("AAAA with only IPv4: %v", m)
	}
	req.SetQuestion("Cozy.Local.", dns.TypeANY)
	if m := l.answer(req); len(m.Answer) != 1 || m.Answer[0].Header().Name != "Cozy.Local." || m.Answer[0].Header().Ttl != localTTL {
		t.Fatalf("ANY: %v", m)
	}
}
