package mdns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Port is the Multicast DNS port (RFC 6762 §3).
const Port = 5353

var (
	groupV4 = netip.MustParseAddr("224.0.0.251")
	groupV6 = netip.MustParseAddr("ff02::fb")
)

// packet is one datagram read from a multicast socket.
type packet struct {
	data []byte
	from netip.AddrPort
}

// conn is the responder's pair of multicast sockets on one interface. Either
// may be nil when the interface lacks that family.
type conn struct {
	ifi *net.Interface
	v4  *ipv4.PacketConn
	v6  *ipv6.PacketConn
}

// openConn joins the mDNS groups on ifi. It fails only when neither family
// can be joined. The sockets are bound to the wildcard address on port 5353
// with SO_REUSEADDR (set by the net package for multicast binds), so they
// coexist with zeroconf's and avahi's sockets.
func openConn(ifi *net.Interface) (*conn, error) {
	c := &conn{ifi: ifi}
	var err4, err6 error
	if u, err := net.ListenMulticastUDP("udp4", ifi, &net.UDPAddr{IP: groupV4.AsSlice(), Port: Port}); err == nil {
		p := ipv4.NewPacketConn(u)
		// RFC 6762 §11: IP TTL 255 on every mDNS packet we send.
		err4 = errors.Join(p.SetMulticastTTL(255), p.SetTTL(255), p.SetControlMessage(ipv4.FlagInterface, true))
		c.v4 = p
	} else {
		err4 = err
	}
	if u, err := net.ListenMulticastUDP("udp6", ifi, &net.UDPAddr{IP: groupV6.AsSlice(), Port: Port}); err == nil {
		p := ipv6.NewPacketConn(u)
		err6 = errors.Join(p.SetMulticastHopLimit(255), p.SetHopLimit(255), p.SetControlMessage(ipv6.FlagInterface, true))
		c.v6 = p
	} else {
		err6 = err
	}
	if c.v4 == nil && c.v6 == nil {
		return nil, fmt.Errorf("mdns: join groups on %s: %w", ifi.Name, errors.Join(err4, err6))
	}
	if err := errors.Join(err4, err6); err != nil && c.v4 != nil && c.v6 != nil {
		c.close()
		return nil, fmt.Errorf("mdns: socket options on %s: %w", ifi.Name, err)
	}
	return c, nil
}

// read4 reads one IPv4 datagram. Datagrams that arrived on another interface
// (Linux delivers group traffic of every interface to every member socket)
// come back with ok false.
func (c *conn) read4(buf []byte) (p packet, ok bool, err error) {
	n, cm, src, err := c.v4.ReadFrom(buf)
	if err != nil {
		return p, false, err
	}
	if cm != nil && cm.IfIndex != 0 && cm.IfIndex != c.ifi.Index {
		return p, false, nil
	}
	return packet{data: append([]byte(nil), buf[:n]...), from: addrPort(src)}, true, nil
}

// read6 is read4 for IPv6.
func (c *conn) read6(buf []byte) (p packet, ok bool, err error) {
	n, cm, src, err := c.v6.ReadFrom(buf)
	if err != nil {
		return p, false, err
	}
	if cm != nil && cm.IfIndex != 0 && cm.IfIndex != c.ifi.Index {
		return p, false, nil
	}
	return packet{data: append([]byte(nil), buf[:n]...), from: addrPort(src)}, true, nil
}

// multicast sends b to the group of the given family, or to both groups
// when v4 and v6 are both true.
func (c *conn) multicast(b []byte, v4, v6 bool) error {
	var errs []error
	if v4 && c.v4 != nil {
		_, err := c.v4.WriteTo(b, nil, &net.UDPAddr{IP: groupV4.AsSlice(), Port: Port})
		errs = append(errs, err)
	}
	if v6 && c.v6 != nil {
		_, err := c.v6.WriteTo(b, nil, &net.UDPAddr{IP: groupV6.AsSlice(), Port: Port, Zone: c.ifi.Name})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// unicast sends b to dst from the socket of dst's family.
func (c *conn) unicast(b []byte, dst netip.AddrPort) error {
	addr := net.UDPAddrFromAddrPort(dst)
	if dst.Addr().Is4() || dst.Addr().Is4In6() {
		if c.v4 == nil {
			return errors.New("mdns: no IPv4 socket")
		}
		addr.IP = dst.Addr().Unmap().AsSlice()
		_, err := c.v4.WriteTo(b, nil, addr)
		return err
	}
	if c.v6 == nil {
		return errors.New("mdns: no IPv6 socket")
	}
	if dst.Addr().IsLinkLocalUnicast() && addr.Zone == "" {
		addr.Zone = c.ifi.Name
	}
	_, err := c.v6.WriteTo(b, nil, addr)
	return err
}

// close closes both sockets, which ends the readers.
func (c *conn) close() error {
	var errs []error
	if c.v4 != nil {
		errs = append(errs, c.v4.Close())
	}
	if c.v6 != nil {
		errs = append(errs, c.v6.Close())
	}
	return errors.Join(errs...)
}

// addrPort converts a socket address to a netip.AddrPort (zero when it is
// not UDP).
func addrPort(a net.Addr) netip.AddrPort {
	if u, ok := a.(*net.UDPAddr); ok {
		ap := u.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}
