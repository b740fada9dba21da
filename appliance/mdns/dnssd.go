package mdns

import (
	"strings"

	"github.com/miekg/dns"
)

// serviceTTL is the TTL of DNS-SD records without a host name (PTR, TXT):
// 75 minutes (RFC 6762 §10).
const serviceTTL = 4500

// servicesEnum is the DNS-SD service type enumeration name (RFC 6763 §9).
const servicesEnum = "_services._dns-sd._udp.local."

// Service is one DNS-SD service type the box announces, e.g.
// {Type: "_https._tcp", Port: 443}.
type Service struct {
	Type string
	Port int
}

// DefaultServices are the box's services: the Cozy service itself and the
// generic web ones, so that Bonjour browsers list the box.
func DefaultServices(httpsPort, httpPort int) []Service {
	return []Service{
		{Type: "_cozy._tcp", Port: httpsPort},
		{Type: "_https._tcp", Port: httpsPort},
		{Type: "_http._tcp", Port: httpPort},
	}
}

// typeName is the service type's name under .local.
func (s Service) typeName() string { return strings.ToLower(s.Type) + ".local." }

// instanceName is the service instance's name for instance (the box label).
func (s Service) instanceName(instance string) string {
	return strings.ToLower(instance) + "." + s.typeName()
}

// serviceSet is what the box announces with DNS-SD: its services, under the
// box's claimed label as instance name and host.
type serviceSet struct {
	list []Service
	txt  []string
}

// records lists every DNS-SD record of the set for instance at host: the
// shared PTRs (no cache-flush bit, they may have several owners) and the
// unique SRV and TXT (cache-flush), all with the given TTL scale (0 for
// goodbyes).
func (s serviceSet) records(instance, host string, goodbye bool) []dns.RR {
	var rrs []dns.RR
	for _, svc := range s.list {
		rrs = append(rrs, s.ptrs(svc, instance, goodbye)...)
		rrs = append(rrs, s.srv(svc, instance, host, goodbye), s.txtRR(svc, instance, goodbye))
	}
	return rrs
}

// ttl is t, or 0 for a goodbye.
func ttl(t uint32, goodbye bool) uint32 {
	if goodbye {
		return 0
	}
	return t
}

// ptrs are the enumeration PTR and the browse PTR of one service.
func (s serviceSet) ptrs(svc Service, instance string, goodbye bool) []dns.RR {
	return []dns.RR{
		&dns.PTR{Hdr: dns.RR_Header{Name: servicesEnum, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: ttl(serviceTTL, goodbye)}, Ptr: svc.typeName()},
		&dns.PTR{Hdr: dns.RR_Header{Name: svc.typeName(), Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: ttl(serviceTTL, goodbye)}, Ptr: svc.instanceName(instance)},
	}
}

// srv points the instance at the host and port (host-name TTL).
func (s serviceSet) srv(svc Service, instance, host string, goodbye bool) dns.RR {
	return &dns.SRV{Hdr: dns.RR_Header{Name: svc.instanceName(instance), Rrtype: dns.TypeSRV, Class: dns.ClassINET | flushUnless(goodbye), Ttl: ttl(hostTTL, goodbye)},
		Port: uint16(svc.Port), Target: host}
}

// txtRR carries the TXT strings (one empty string when there are none, as
// RFC 6763 §6.1 asks).
func (s serviceSet) txtRR(svc Service, instance string, goodbye bool) dns.RR {
	txt := s.txt
	if len(txt) == 0 {
		txt = []string{""}
	}
	return &dns.TXT{Hdr: dns.RR_Header{Name: svc.instanceName(instance), Rrtype: dns.TypeTXT, Class: dns.ClassINET | flushUnless(goodbye), Ttl: ttl(serviceTTL, goodbye)}, Txt: txt}
}

// flushUnless is the cache-flush bit, except in goodbyes.
func flushUnless(goodbye bool) uint16 {
	if goodbye {
		return 0
	}
	return cacheFlush
}

// lookup answers one question about the services: answer records, and
// additional records (the instance's SRV and TXT with a PTR answer, the
// host's addresses with an SRV). ok is false when the question is not about
// the services.
func (s serviceSet) lookup(q dns.Question, instance, host string, hostAddrs func() []dns.RR) (answer, extra []dns.RR, ok bool) {
	name := strings.ToLower(q.Name)
	want := func(t uint16) bool { return q.Qtype == t || q.Qtype == dns.TypeANY }
	for _, svc := range s.list {
		switch name {
		case servicesEnum:
			ok = true
			if want(dns.TypePTR) {
				answer = append(answer, s.ptrs(svc, instance, false)[0])
			}
		case svc.typeName():
			ok = true
			if want(dns.TypePTR) {
				answer = append(answer, s.ptrs(svc, instance, false)[1])
				extra = append(extra, s.srv(svc, instance, host, false), s.txtRR(svc, instance, false))
				extra = append(extra, hostAddrs()...)
			}
		case svc.instanceName(instance):
			ok = true
			if want(dns.TypeSRV) {
				answer = append(answer, s.srv(svc, instance, host, false))
				extra = append(extra, hostAddrs()...)
			}
			if want(dns.TypeTXT) {
				answer = append(answer, s.txtRR(svc, instance, false))
			}
		}
	}
	return answer, extra, ok
}
