package mdns

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"github.com/grandcat/zeroconf"
)

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

// services keeps one zeroconf server per service type. zeroconf cannot change
// a registration's host or addresses, so register replaces them all.
type services struct {
	ifi     net.Interface
	list    []Service
	log     *slog.Logger
	servers []*zeroconf.Server
}

// register (re)announces every service under instance name host (the box's
// claimed label), pointing at host.local with addrs and the TXT strings.
func (s *services) register(host string, addrs []netip.Addr, txt []string) error {
	s.shutdown()
	ips := make([]string, 0, len(addrs))
	for _, a := range addrs {
		ips = append(ips, a.String())
	}
	var errs []error
	for _, svc := range s.list {
		srv, err := zeroconf.RegisterProxy(host, svc.Type, "local.", svc.Port, host, ips, txt, []net.Interface{s.ifi})
		if err != nil {
			errs = append(errs, fmt.Errorf("mdns: register %s: %w", svc.Type, err))
			continue
		}
		s.servers = append(s.servers, srv)
	}
	if len(s.list) > 0 {
		s.log.Info("mdns services registered", "host", host, "count", len(s.servers))
	}
	return errors.Join(errs...)
}

// shutdown withdraws every service (zeroconf sends its goodbyes).
func (s *services) shutdown() {
	for _, srv := range s.servers {
		srv.Shutdown()
	}
	s.servers = nil
}
