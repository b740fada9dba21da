package remote

import (
	"net/netip"
	"strings"
)

// special is one entry of the address policy: a prefix, why it is refused,
// and the document that defines it.
type special struct {
	prefix netip.Prefix
	reason string
}

// specialIPv4 lists the IANA IPv4 Special-Purpose Address Registry
// (RFC 6890 and its updates) plus multicast from the IPv4 Address Space
// Registry. Every entry is refused, including the few the registry marks
// globally reachable (anycast service addresses, AS112): a remote doctype
// has no reason to call them.
var specialIPv4 = []special{
	{netip.MustParsePrefix("0.0.0.0/8"), "\"this network\" (RFC 791, RFC 1122)"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private-use (RFC 1918)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space / CGN (RFC 6598)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback (RFC 1122)"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local (RFC 3927)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private-use (RFC 1918)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments (RFC 6890, RFC 7335, RFC 7600, RFC 7723, RFC 8155, RFC 8880)"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation TEST-NET-1 (RFC 5737)"},
	{netip.MustParsePrefix("192.31.196.0/24"), "AS112-v4 (RFC 7535)"},
	{netip.MustParsePrefix("192.52.193.0/24"), "AMT (RFC 7450)"},
	{netip.MustParsePrefix("192.88.99.0/24"), "deprecated 6to4 relay anycast (RFC 7526)"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private-use (RFC 1918)"},
	{netip.MustParsePrefix("192.175.48.0/24"), "direct delegation AS112 (RFC 7534)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking (RFC 2544)"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation TEST-NET-2 (RFC 5737)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation TEST-NET-3 (RFC 5737)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast (RFC 5771)"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved (RFC 1112), incl. limited broadcast (RFC 919)"},
}

// globalUnicastIPv6 is the only IPv6 range allowed at all (RFC 4291 §2.4 and
// the IANA IPv6 Address Space Registry): everything outside it (::, ::1,
// IPv4-compatible, 100::/64 discard, 5f00::/16 SRv6 SIDs, fc00::/7 unique
// local, fec0::/10 site-local, fe80::/10 link-local, ff00::/8 multicast) is
// refused. 64:ff9b::/96 is handled apart (see policyReason).
var globalUnicastIPv6 = netip.MustParsePrefix("2000::/3")

// specialIPv6 lists the entries of the IANA IPv6 Special-Purpose Address
// Registry that fall inside 2000::/3.
var specialIPv6 = []special{
	{netip.MustParsePrefix("2001::/23"), "IETF protocol assignments (RFC 2928; Teredo RFC 4380, benchmarking RFC 5180, ORCHIDv2 RFC 7343, ...)"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation (RFC 3849)"},
	{netip.MustParsePrefix("2002::/16"), "6to4 (RFC 3056)"},
	{netip.MustParsePrefix("2620:4f:8000::/48"), "direct delegation AS112 (RFC 7534)"},
	{netip.MustParsePrefix("3fff::/20"), "documentation (RFC 9637)"},
}

// nat64WellKnown is the IPv4/IPv6 translation prefix (RFC 6052): the last 32
// bits are an IPv4 address, checked against the IPv4 policy, so DNS64
// networks keep working without opening a path to private IPv4 space.
var nat64WellKnown = netip.MustParsePrefix("64:ff9b::/96")

// policyReason returns why addr is refused, or "" when it is a public
// unicast address. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, RFC 4291
// §2.5.5.2) are judged as the IPv4 address they carry.
func policyReason(addr netip.Addr) string {
	if !addr.IsValid() {
		return "invalid address"
	}
	if addr.Zone() != "" {
		return "scoped (zoned) IPv6 address"
	}
	addr = addr.Unmap()
	if addr.Is4() {
		for _, s := range specialIPv4 {
			if s.prefix.Contains(addr) {
				return s.reason
			}
		}
		return ""
	}
	if nat64WellKnown.Contains(addr) {
		b := addr.As16()
		v4 := netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
		if r := policyReason(v4); r != "" {
			return "NAT64 (RFC 6052) of " + v4.String() + ": " + r
		}
		return ""
	}
	if !globalUnicastIPv6.Contains(addr) {
		switch {
		case addr.IsLoopback():
			return "loopback (RFC 4291)"
		case addr.IsUnspecified():
			return "unspecified (RFC 4291)"
		case addr.IsLinkLocalUnicast():
			return "link-local (RFC 4291)"
		case addr.IsMulticast():
			return "multicast (RFC 4291)"
		case addr.IsPrivate():
			return "unique local (RFC 4193)"
		default:
			return "outside IPv6 global unicast 2000::/3 (RFC 4291)"
		}
	}
	for _, s := range specialIPv6 {
		if s.prefix.Contains(addr) {
			return s.reason
		}
	}
	return ""
}

// hostReason returns why a URL host name is refused before any DNS lookup,
// or "" when it may be resolved. IP literals are judged by policyReason.
// Names whose last label starts with a digit are refused: no top-level
// domain does, and such names are the non-canonical IPv4 forms (127.1,
// 2130706433, 0x7f.1, 017700000001) that some resolvers turn into
// addresses. "localhost" and its subdomains are refused (RFC 6761).
func hostReason(host string) string {
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return policyReason(a)
	}
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "" {
		return "empty host"
	}
	last := h[strings.LastIndexByte(h, '.')+1:]
	if last == "" {
		return "empty label in host name"
	}
	if last[0] >= '0' && last[0] <= '9' {
		return "numeric host in a non-canonical IP form"
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return "localhost name (RFC 6761)"
	}
	return ""
}
