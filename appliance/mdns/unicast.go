package mdns

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
)

// unicastSockets are extra sockets bound to each of the box's own addresses
// on port 5353. The kernel gives a unicast datagram for port 5353 to only
// one of the sockets bound there, the last bound wildcard one, which is
// another mDNS stack's when one starts after us (measured with zeroconf's
// server: 0 of 20 direct queries reached our wildcard socket). A socket
// bound to the address itself is a closer match and wins, so direct queries
// ("dig @box -p 5353") reach the host responder.
type unicastSockets map[netip.Addr]*net.UDPConn

// listenUnicast binds addr:5353 beside the wildcard sockets (SO_REUSEADDR,
// as they have). It fails for an address not assigned on this host.
func listenUnicast(ifi *net.Interface, addr netip.Addr) (*net.UDPConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
		})
		return errors.Join(err, serr)
	}}
	ap := net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, Port))
	if addr.Is6() && addr.IsLinkLocalUnicast() {
		ap.Zone = ifi.Name
	}
	pc, err := lc.ListenPacket(context.Background(), "udp", ap.String())
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}

// readUnicast reads c into packets like the multicast readers.
func readUnicast(c *net.UDPConn) func([]byte) (packet, bool, error) {
	return func(buf []byte) (packet, bool, error) {
		n, src, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			return packet{}, false, err
		}
		return packet{data: append([]byte(nil), buf[:n]...), from: netip.AddrPortFrom(src.Addr().Unmap(), src.Port())}, true, nil
	}
}
