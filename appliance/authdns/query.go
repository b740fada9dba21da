package authdns

import (
	"github.com/miekg/dns"
)

// query answers a question about the zone.
func (s *Server) query(req *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	m.RecursionAvailable = false
	q := req.Question[0]
	name := canonical(q.Name)
	if q.Qclass != dns.ClassINET && q.Qclass != dns.ClassANY || !s.inZone(name) {
		m.Rcode = dns.RcodeRefused
		return m
	}
	m.Authoritative = true
	s.mu.RLock()
	defer s.mu.RUnlock()

	answer := func(rrs []dns.RR, owner string) {
		for _, rr := range rrs {
			rr = dns.Copy(rr)
			rr.Header().Name = owner
			m.Answer = append(m.Answer, rr)
		}
	}
	if name == s.zone {
		if q.Qtype == dns.TypeSOA || q.Qtype == dns.TypeANY {
			answer([]dns.RR{s.soa()}, q.Name)
		}
		if q.Qtype == dns.TypeNS || q.Qtype == dns.TypeANY {
			answer(s.nsRecords(), q.Name)
		}
	}
	switch {
	case s.data.exists(name) || name == s.zone:
		answer(s.data.rrset(name, q.Qtype), q.Name)
	default:
		// RFC 4592: the wildcard at the closest encloser, if any.
		wild, found := s.wildcardFor(name)
		if !found {
			m.Rcode = dns.RcodeNameError
			break
		}
		answer(s.data.rrset(wild, q.Qtype), q.Name)
	}
	if len(m.Answer) == 0 {
		// NODATA or NXDOMAIN: the SOA tells the zone and how long to
		// remember.
		m.Ns = append(m.Ns, s.soa())
	}
	return m
}

// wildcardFor finds the wildcard owner that covers name, which does not
// exist: "*." plus its closest existing ancestor, if that wildcard exists.
func (s *Server) wildcardFor(name string) (string, bool) {
	for off, end := dns.NextLabel(name, 0); !end; off, end = dns.NextLabel(name, off) {
		anc := name[off:]
		if anc != s.zone && !s.data.exists(anc) {
			continue
		}
		wild := "*." + anc
		return wild, s.data.exists(wild)
	}
	return "", false
}
