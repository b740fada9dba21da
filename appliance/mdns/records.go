package mdns

import (
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

const (
	// hostTTL is the TTL of host records (RFC 6762 §10: 120 s for records
	// that carry a host name).
	hostTTL = 120
	// legacyTTL caps the TTL of answers to legacy unicast resolvers (§6.7).
	legacyTTL = 10
	// cacheFlush is the top bit of the class: in a response it tells caches
	// to replace the record set (§10.2); in a question it asks for a unicast
	// answer (QU, §5.4).
	cacheFlush = 1 << 15
)

// fqdn turns a label into its .local name, lowercased.
func fqdn(label string) string { return strings.ToLower(label) + ".local." }

// hostRRs builds the A and AAAA records of one name. qtype limits them to one
// type (dns.TypeANY for both).
func hostRRs(name string, addrs []netip.Addr, qtype uint16, ttl uint32, flush bool) []dns.RR {
	class := uint16(dns.ClassINET)
	if flush {
		class |= cacheFlush
	}
	var rrs []dns.RR
	for _, a := range addrs {
		switch {
		case a.Is4() && (qtype == dns.TypeA || qtype == dns.TypeANY):
			rrs = append(rrs, &dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: class, Ttl: ttl}, A: a.AsSlice()})
		case a.Is6() && (qtype == dns.TypeAAAA || qtype == dns.TypeANY):
			rrs = append(rrs, &dns.AAAA{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeAAAA, Class: class, Ttl: ttl}, AAAA: a.AsSlice()})
		}
	}
	return rrs
}

// families tells which address families addrs has.
func families(addrs []netip.Addr) (v4, v6 bool) {
	for _, a := range addrs {
		v4 = v4 || a.Is4()
		v6 = v6 || a.Is6()
	}
	return v4, v6
}

// nsec asserts which of A and AAAA exist for name (RFC 6762 §6.1), so a
// querier stops waiting for the missing family.
func nsec(name string, addrs []netip.Addr, ttl uint32, flush bool) *dns.NSEC {
	class := uint16(dns.ClassINET)
	if flush {
		class |= cacheFlush
	}
	v4, v6 := families(addrs)
	var types []uint16
	if v4 {
		types = append(types, dns.TypeA)
	}
	if v6 {
		types = append(types, dns.TypeAAAA)
	}
	return &dns.NSEC{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeNSEC, Class: class, Ttl: ttl}, NextDomain: name, TypeBitMap: types}
}

// response makes an empty authoritative mDNS response.
func response() *dns.Msg {
	m := new(dns.Msg)
	m.Response = true
	m.Authoritative = true
	return m
}

// announcement is the unsolicited response that claims names (§8.3) or
// tells of new addresses: every record with the cache-flush bit, the NSEC
// when a family is missing, TTL 0 goodbyes for the addresses in gone, and
// the extra records (the services) at the end of the answer section.
func announcement(names []string, addrs, gone []netip.Addr, extra ...dns.RR) *dns.Msg {
	m := response()
	v4, v6 := families(addrs)
	for _, n := range names {
		m.Answer = append(m.Answer, hostRRs(n, addrs, dns.TypeANY, hostTTL, true)...)
		m.Answer = append(m.Answer, hostRRs(n, gone, dns.TypeANY, 0, false)...)
		if !v4 || !v6 {
			m.Extra = append(m.Extra, nsec(n, addrs, hostTTL, true))
		}
	}
	m.Answer = append(m.Answer, extra...)
	return m
}

// goodbye withdraws names: their records with TTL 0 (§10.1).
func goodbye(names []string, addrs []netip.Addr, extra ...dns.RR) *dns.Msg {
	m := response()
	for _, n := range names {
		m.Answer = append(m.Answer, hostRRs(n, addrs, dns.TypeANY, 0, false)...)
	}
	m.Answer = append(m.Answer, extra...)
	return m
}

// probeQuery asks whether anyone holds names (§8.1): a question of type ANY
// per name and the records we propose in the authority section, used by the
// simultaneous-probe tie-break. qu asks for unicast answers.
func probeQuery(names []string, addrs []netip.Addr, qu bool) *dns.Msg {
	m := new(dns.Msg)
	class := uint16(dns.ClassINET)
	if qu {
		class |= cacheFlush
	}
	for _, n := range names {
		m.Question = append(m.Question, dns.Question{Name: n, Qtype: dns.TypeANY, Qclass: class})
		m.Ns = append(m.Ns, hostRRs(n, addrs, dns.TypeANY, hostTTL, false)...)
	}
	return m
}

// answers is what one query calls for: a multicast response, a unicast one,
// or both (nil when empty).
type answers struct {
	multicast *dns.Msg
	unicast   *dns.Msg
}

// lookupFunc answers one question with answer and additional records, and
// the name whose last multicast decides how a QU question is answered; a nil
// name means the question is not ours.
type lookupFunc func(q dns.Question) (rrs, extra []dns.RR, n *name)

// hostLookup answers A, AAAA and ANY questions on the names owned finds
// (claimed or announcing ones; nil otherwise). §6.2: the other family goes
// in the additional section, and an NSEC tells of a missing one.
func hostLookup(q dns.Question, owned func(string) *name, addrs []netip.Addr) (rrs, extra []dns.RR, n *name) {
	if q.Qtype != dns.TypeA && q.Qtype != dns.TypeAAAA && q.Qtype != dns.TypeANY {
		return nil, nil, nil
	}
	if n = owned(strings.ToLower(q.Name)); n == nil {
		return nil, nil, nil
	}
	name := n.fqdn()
	rrs = hostRRs(name, addrs, q.Qtype, hostTTL, true)
	switch q.Qtype {
	case dns.TypeA:
		extra = hostRRs(name, addrs, dns.TypeAAAA, hostTTL, true)
	case dns.TypeAAAA:
		extra = hostRRs(name, addrs, dns.TypeA, hostTTL, true)
	}
	if v4, v6 := families(addrs); !v4 || !v6 {
		extra = append(extra, nsec(name, addrs, hostTTL, true))
	}
	return rrs, extra, n
}

// answer builds the replies to query from a querier at from. A legacy
// querier (source port not 5353) gets one unicast reply that echoes the ID
// and questions, with TTLs capped at 10 s and no cache-flush bit. A QU
// question gets a unicast answer when its name was multicast within a
// quarter of the host TTL, else a multicast one (§5.4). Records the querier
// already lists with at least half their TTL left are left out (known-answer
// suppression, §7.1). Multicast answers update the name's lastMulticast.
func answer(query *dns.Msg, from netip.AddrPort, lookup lookupFunc, now time.Time) answers {
	legacy := from.Port() != Port
	mc, uc := response(), response()
	if legacy {
		uc.Id = query.Id
		uc.Question = query.Question
	}
	for _, q := range query.Question {
		class := q.Qclass &^ cacheFlush
		if class != dns.ClassINET && class != dns.ClassANY {
			continue
		}
		found, extra, n := lookup(q)
		if n == nil {
			continue
		}
		rrs := knownAnswerFilter(query, found)
		if len(found) > 0 && len(rrs) == 0 {
			continue // everything suppressed by known answers
		}
		if len(rrs)+len(extra) == 0 {
			continue
		}
		switch {
		case legacy:
			uc.Answer = append(uc.Answer, legacyCopy(rrs)...)
			uc.Extra = append(uc.Extra, legacyCopy(extra)...)
		case q.Qclass&cacheFlush != 0 && now.Sub(n.lastMulticast) < hostTTL*time.Second/4:
			uc.Answer = append(uc.Answer, rrs...)
			uc.Extra = append(uc.Extra, extra...)
		default:
			mc.Answer = append(mc.Answer, rrs...)
			mc.Extra = append(mc.Extra, extra...)
			n.lastMulticast = now
		}
	}
	var out answers
	if len(mc.Answer)+len(mc.Extra) > 0 {
		out.multicast = mc
	}
	if len(uc.Answer)+len(uc.Extra) > 0 {
		out.unicast = uc
	}
	return out
}

// knownAnswerFilter drops the records the querier listed in its answer
// section with at least half of our TTL left (§7.1).
func knownAnswerFilter(query *dns.Msg, rrs []dns.RR) []dns.RR {
	if len(query.Answer) == 0 {
		return rrs
	}
	out := rrs[:0]
	for _, rr := range rrs {
		known := false
		for _, k := range query.Answer {
			if k.Header().Ttl >= rr.Header().Ttl/2 && sameData(k, rr) {
				known = true
				break
			}
		}
		if !known {
			out = append(out, rr)
		}
	}
	return out
}

// sameData compares name, type and data, ignoring TTL and the cache-flush bit.
func sameData(a, b dns.RR) bool {
	ha, hb := a.Header(), b.Header()
	if !strings.EqualFold(ha.Name, hb.Name) || ha.Rrtype != hb.Rrtype || ha.Class&^cacheFlush != hb.Class&^cacheFlush {
		return false
	}
	return string(rdata(a)) == string(rdata(b))
}

// legacyCopy copies records for a legacy unicast answer: TTL at most 10 s and
// no cache-flush bit (§6.7).
func legacyCopy(rrs []dns.RR) []dns.RR {
	out := make([]dns.RR, 0, len(rrs))
	for _, rr := range rrs {
		c := dns.Copy(rr)
		h := c.Header()
		h.Class &^= cacheFlush
		h.Ttl = min(h.Ttl, legacyTTL)
		out = append(out, c)
	}
	return out
}

// rdata returns the wire form of a record's data, nil if it cannot be packed.
func rdata(rr dns.RR) []byte {
	buf := make([]byte, dns.Len(rr)+16)
	off, err := dns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		return nil
	}
	nameBuf := make([]byte, 256)
	nl, err := dns.PackDomainName(dns.Fqdn(rr.Header().Name), nameBuf, 0, nil, false)
	if err != nil || nl+10 > off {
		return nil
	}
	return buf[nl+10 : off]
}
