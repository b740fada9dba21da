package landns

import (
	"net/netip"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// localTTL is the TTL of the box's own records: short, so that clients
// follow an address change quickly.
const localTTL = 60

// local holds the box's own names and addresses. Names are exact
// ("cozy.local.") or wildcards ("*.example.org.", matching any name below
// example.org but not example.org itself).
type local struct {
	mu    sync.RWMutex
	exact map[string]bool
	wild  []string // suffixes with their leading dot: ".example.org."
	addrs []netip.Addr
}

// set replaces the names and addresses.
func (l *local) set(names []string, addrs []netip.Addr) {
	exact := map[string]bool{}
	var wild []string
	for _, n := range names {
		n = strings.ToLower(dns.Fqdn(n))
		if rest, ok := strings.CutPrefix(n, "*."); ok {
			wild = append(wild, "."+rest)
			continue
		}
		exact[n] = true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.exact, l.wild, l.addrs = exact, wild, append([]netip.Addr(nil), addrs...)
}

// owns tells whether qname is one of the box's names.
func (l *local) owns(qname string) bool {
	q := strings.ToLower(dns.Fqdn(qname))
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.exact[q] {
		return true
	}
	for _, w := range l.wild {
		if strings.HasSuffix(q, w) {
			return true
		}
	}
	return false
}

// answer builds the authoritative reply for a question on one of our names:
// the addresses of the asked family (both for ANY), or an empty NOERROR
// (no data) for other types.
func (l *local) answer(req *dns.Msg) *dns.Msg {
	q := req.Question[0]
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	m.RecursionAvailable = true
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, a := range l.addrs {
		hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Ttl: localTTL}
		switch {
		case a.Is4() && (q.Qtype == dns.TypeA || q.Qtype == dns.TypeANY):
			hdr.Rrtype = dns.TypeA
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: a.AsSlice()})
		case a.Is6() && (q.Qtype == dns.TypeAAAA || q.Qtype == dns.TypeANY):
			hdr.Rrtype = dns.TypeAAAA
			m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr, AAAA: a.AsSlice()})
		}
	}
	return m
}
