package authdns

import (
	"strings"

	"github.com/miekg/dns"
)

// zoneData holds the records of the zone by canonical owner name. The apex
// SOA and NS are not in it: the server makes them.
type zoneData map[string][]dns.RR

// clone copies the map and its slices (records are never changed in place).
func (z zoneData) clone() zoneData {
	out := make(zoneData, len(z))
	for k, v := range z {
		out[k] = append([]dns.RR(nil), v...)
	}
	return out
}

// rrset returns the records of name with type t (all types for TypeANY).
func (z zoneData) rrset(name string, t uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range z[name] {
		if t == dns.TypeANY || rr.Header().Rrtype == t {
			out = append(out, rr)
		}
	}
	return out
}

// exists tells whether name owns records or is an empty non-terminal (an
// ancestor of a name that does).
func (z zoneData) exists(name string) bool {
	if len(z[name]) > 0 {
		return true
	}
	for k := range z {
		if strings.HasSuffix(k, "."+name) {
			return true
		}
	}
	return false
}

// add inserts rr unless an identical record is there; an existing record
// with the same data gets the new TTL.
func (z zoneData) add(rr dns.RR) {
	name := rr.Header().Name
	for i, old := range z[name] {
		if dns.IsDuplicate(old, rr) {
			z[name][i] = rr
			return
		}
	}
	z[name] = append(z[name], rr)
}

// removeRRset deletes name's records of type t (all for TypeANY), except
// those keep says to keep.
func (z zoneData) removeRRset(name string, t uint16) {
	rrs := z[name][:0:0]
	for _, rr := range z[name] {
		if t != dns.TypeANY && rr.Header().Rrtype != t {
			rrs = append(rrs, rr)
		}
	}
	z.set(name, rrs)
}

// removeRR deletes the record of name equal to rr (data compared).
func (z zoneData) removeRR(rr dns.RR) {
	name := rr.Header().Name
	rrs := z[name][:0:0]
	for _, old := range z[name] {
		if !dns.IsDuplicate(old, rr) {
			rrs = append(rrs, old)
		}
	}
	z.set(name, rrs)
}

// set replaces name's records, dropping the name when none are left.
func (z zoneData) set(name string, rrs []dns.RR) {
	if len(rrs) == 0 {
		delete(z, name)
		return
	}
	z[name] = rrs
}
