package lan

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"

	"golang.org/x/sys/unix"
)

// link is one LAN interface and its addresses.
type link struct {
	ifi   net.Interface
	addrs []netip.Addr // sorted
}

// lanLinks lists the interfaces to serve: those named in want, or by
// default every interface that is up, multicast-capable, not loopback and
// not point-to-point. Interfaces without an address are left out (nothing
// to answer with).
func lanLinks(want []string) ([]link, error) {
	all, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("lan: interfaces: %w", err)
	}
	var out []link
	for _, ifi := range all {
		if len(want) > 0 {
			if !slices.Contains(want, ifi.Name) || ifi.Flags&net.FlagUp == 0 {
				continue
			}
		} else if ifi.Flags&net.FlagUp == 0 || ifi.Flags&net.FlagMulticast == 0 ||
			ifi.Flags&net.FlagLoopback != 0 || ifi.Flags&net.FlagPointToPoint != 0 {
			continue
		}
		addrs, err := ifaceAddrs(&ifi)
		if err != nil {
			return nil, err
		}
		if len(addrs) == 0 {
			continue
		}
		out = append(out, link{ifi: ifi, addrs: addrs})
	}
	return out, nil
}

// ifaceAddrs are ifi's unicast addresses, sorted.
func ifaceAddrs(ifi *net.Interface) ([]netip.Addr, error) {
	as, err := ifi.Addrs()
	if err != nil {
		return nil, fmt.Errorf("lan: addresses of %s: %w", ifi.Name, err)
	}
	var out []netip.Addr
	for _, a := range as {
		p, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		addr, ok := netip.AddrFromSlice(p.IP)
		if !ok {
			continue
		}
		addr = addr.Unmap()
		if addr.IsLoopback() || addr.IsMulticast() || addr.IsUnspecified() {
			continue
		}
		out = append(out, addr)
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out, nil
}

// prefixes are the LAN prefixes of links (link-local ones included: a
// client may ask from its fe80:: address), for the DNS server's allowed
// clients.
func prefixes(links []link) []netip.Prefix {
	var out []netip.Prefix
	for _, l := range links {
		as, err := l.ifi.Addrs()
		if err != nil {
			continue
		}
		for _, a := range as {
			if p, ok := a.(*net.IPNet); ok {
				if addr, ok := netip.AddrFromSlice(p.IP); ok {
					ones, _ := p.Mask.Size()
					out = append(out, netip.PrefixFrom(addr.Unmap(), ones).Masked())
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	return slices.Compact(out)
}

// routable are the addresses of links a unicast DNS answer may carry: all
// but the IPv6 link-local ones (useless without their zone).
func routable(links []link) []netip.Addr {
	var out []netip.Addr
	for _, l := range links {
		for _, a := range l.addrs {
			if !(a.Is6() && a.IsLinkLocalUnicast()) {
				out = append(out, a)
			}
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return slices.Compact(out)
}

// netlinkWatch opens a routing socket subscribed to the kernel's link and
// address events. Reads from the returned file block until an event comes
// and end with an error once it is closed; the content is not parsed, an
// event only says "look again".
func netlinkWatch() (*os.File, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("lan: netlink socket: %w", err)
	}
	groups := uint32(unix.RTMGRP_LINK | unix.RTMGRP_IPV4_IFADDR | unix.RTMGRP_IPV6_IFADDR)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: groups}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("lan: netlink bind: %w", err)
	}
	// Non-blocking: the file goes to the runtime's poller, so Close
	// interrupts a pending Read.
	return os.NewFile(uintptr(fd), "rtnetlink"), nil
}
