package authdns

import (
	"log/slog"

	"github.com/miekg/dns"
)

// update applies an RFC 2136 update signed with one of the server's keys.
func (s *Server) update(w dns.ResponseWriter, req *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	m.RecursionAvailable = false
	t := req.IsTsig()
	switch {
	case t == nil:
		s.log.Warn("authdns: unsigned update refused", "client", w.RemoteAddr().String())
		m.Rcode = dns.RcodeRefused
		return m
	case w.TsigStatus() != nil:
		s.log.Warn("authdns: update with a bad signature", "client", w.RemoteAddr().String(), "key", t.Hdr.Name, "err", w.TsigStatus())
		m.Rcode = dns.RcodeNotAuth
		return m
	}
	z := req.Question[0]
	if z.Qtype != dns.TypeSOA || canonical(z.Name) != s.zone {
		m.Rcode = dns.RcodeNotAuth
		return m
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rc := s.checkPrereqs(req.Answer); rc != dns.RcodeSuccess {
		m.Rcode = rc
		return m
	}
	if rc := s.checkUpdates(req.Ns); rc != dns.RcodeSuccess {
		m.Rcode = rc
		return m
	}
	// Apply to a copy and swap: an update applies whole or not at all.
	next := s.data.clone()
	for _, rr := range req.Ns {
		rr = dns.Copy(rr)
		h := rr.Header()
		h.Name = canonical(h.Name)
		apexOwned := h.Name == s.zone && (h.Rrtype == dns.TypeSOA || h.Rrtype == dns.TypeNS)
		switch h.Class {
		case dns.ClassINET:
			if apexOwned {
				continue // the server keeps the apex SOA and NS
			}
			next.add(rr)
		case dns.ClassANY:
			if apexOwned {
				continue
			}
			next.removeRRset(h.Name, h.Rrtype)
		case dns.ClassNONE:
			if apexOwned {
				continue
			}
			h.Class = dns.ClassINET
			next.removeRR(rr)
		}
	}
	if len(req.Ns) > 0 {
		s.data = next
		s.serial++
	}
	s.log.Debug("authdns: update applied", "key", t.Hdr.Name, "changes", len(req.Ns), "serial", s.serial, slog.Int("names", len(s.data)))
	return m
}

// checkPrereqs evaluates the prerequisite section (RFC 2136 §3.2).
func (s *Server) checkPrereqs(prereqs []dns.RR) int {
	want := zoneData{} // value-dependent RRsets, by name then type
	for _, rr := range prereqs {
		h := rr.Header()
		name := canonical(h.Name)
		if !s.inZone(name) {
			return dns.RcodeNotZone
		}
		switch h.Class {
		case dns.ClassANY:
			if h.Ttl != 0 || h.Rdlength != 0 {
				return dns.RcodeFormatError
			}
			if h.Rrtype == dns.TypeANY {
				if !s.data.exists(name) && name != s.zone {
					return dns.RcodeNameError
				}
			} else if len(s.lookup(name, h.Rrtype)) == 0 {
				return dns.RcodeNXRrset
			}
		case dns.ClassNONE:
			if h.Ttl != 0 || h.Rdlength != 0 {
				return dns.RcodeFormatError
			}
			if h.Rrtype == dns.TypeANY {
				if s.data.exists(name) || name == s.zone {
					return dns.RcodeYXDomain
				}
			} else if len(s.lookup(name, h.Rrtype)) != 0 {
				return dns.RcodeYXRrset
			}
		case dns.ClassINET:
			if h.Ttl != 0 {
				return dns.RcodeFormatError
			}
			rr = dns.Copy(rr)
			rr.Header().Name = name
			want.add(rr)
		default:
			return dns.RcodeFormatError
		}
	}
	for name, rrs := range want {
		types := map[uint16]bool{}
		for _, rr := range rrs {
			types[rr.Header().Rrtype] = true
		}
		for t := range types {
			if !sameSet(want.rrset(name, t), s.lookup(name, t)) {
				return dns.RcodeNXRrset
			}
		}
	}
	return dns.RcodeSuccess
}

// checkUpdates prescans the update section (RFC 2136 §3.4.1).
func (s *Server) checkUpdates(updates []dns.RR) int {
	for _, rr := range updates {
		h := rr.Header()
		if !s.inZone(canonical(h.Name)) {
			return dns.RcodeNotZone
		}
		switch h.Class {
		case dns.ClassINET:
			if isMeta(h.Rrtype) || h.Rrtype == dns.TypeANY {
				return dns.RcodeFormatError
			}
		case dns.ClassANY:
			if h.Ttl != 0 || h.Rdlength != 0 || isMeta(h.Rrtype) {
				return dns.RcodeFormatError
			}
		case dns.ClassNONE:
			if h.Ttl != 0 || isMeta(h.Rrtype) || h.Rrtype == dns.TypeANY {
				return dns.RcodeFormatError
			}
		default:
			return dns.RcodeFormatError
		}
	}
	return dns.RcodeSuccess
}

// lookup is the RRset of name and type as the zone has it, the apex SOA and
// NS included (caller holds mu).
func (s *Server) lookup(name string, t uint16) []dns.RR {
	if name == s.zone {
		switch t {
		case dns.TypeSOA:
			return []dns.RR{s.soa()}
		case dns.TypeNS:
			return s.nsRecords()
		}
	}
	return s.data.rrset(name, t)
}

// isMeta tells the query-only types that cannot be stored.
func isMeta(t uint16) bool {
	switch t {
	case dns.TypeAXFR, dns.TypeIXFR, dns.TypeMAILA, dns.TypeMAILB, dns.TypeTSIG, dns.TypeOPT:
		return true
	}
	return false
}

// sameSet compares two RRsets by data, ignoring order and TTL.
func sameSet(a, b []dns.RR) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			x2 := dns.Copy(x)
			x2.Header().Name = canonical(y.Header().Name)
			if dns.IsDuplicate(x2, y) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
