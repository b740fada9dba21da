package lan

import (
	"net"
	"net/netip"
	"slices"

	"github.com/miekg/dns"
)

// resolvConfUpstreams are the nameservers of a resolv.conf file as
// "host:port", leaving out the box's own addresses (when the router hands
// the box out as the LAN's DNS server, the box itself may get it: asking
// itself would loop).
func resolvConfUpstreams(path string, own []netip.Addr) []string {
	cc, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range cc.Servers {
		if a, err := netip.ParseAddr(s); err == nil && slices.Contains(own, a.Unmap()) {
			continue
		}
		out = append(out, net.JoinHostPort(s, cc.Port))
	}
	return out
}
