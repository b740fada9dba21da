package certs

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/caddyserver/certmagic"
	"github.com/cozypi/cozy/appliance/boxca"
)

// caIssuer is certmagic's Issuer backed by the box CA.
type caIssuer struct{ ca *boxca.CA }

// Issue signs csr with the box CA, which checks its names again.
func (i *caIssuer) Issue(ctx context.Context, csr *x509.CertificateRequest) (*certmagic.IssuedCertificate, error) {
	chain, err := i.ca.IssueCSR(ctx, csr)
	if err != nil {
		return nil, err
	}
	return &certmagic.IssuedCertificate{Certificate: chain}, nil
}

// IssuerKey names the issuer in storage keys.
func (i *caIssuer) IssuerKey() string { return "boxca" }

// LANDecision is lan mode's on-demand policy: a certificate is issued only
// for one of the box's hosts, a flat app host of one of them
// (<first label>-<slug>.<rest>, slug in [a-z0-9]), or one of the box's
// current LAN addresses, and only within the box CA's constraints.
func (m *Manager) LANDecision(_ context.Context, name string) error {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if a, err := netip.ParseAddr(name); err == nil {
		a = a.Unmap()
		var addrs []netip.Addr
		if m.cfg.LANAddrs != nil {
			addrs = m.cfg.LANAddrs()
		}
		if !slices.Contains(addrs, a) {
			return fmt.Errorf("certs: %s is not an address of the box", a)
		}
		return m.cfg.CA.Permitted(nil, []netip.Addr{a})
	}
	if !m.boxHost(name) {
		return fmt.Errorf("certs: %q is not a name of the box", name)
	}
	return m.cfg.CA.Permitted([]string{name}, nil)
}

// boxHost tells whether name is one of LANHosts or a flat app host of one.
func (m *Manager) boxHost(name string) bool {
	for _, h := range m.cfg.LANHosts {
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		if name == h {
			return true
		}
		first, rest, _ := strings.Cut(h, ".")
		label, nameRest, _ := strings.Cut(name, ".")
		slug, ok := strings.CutPrefix(label, first+"-")
		if ok && nameRest == rest && slug != "" && isSlug(slug) {
			return true
		}
	}
	return false
}

// isSlug accepts app slugs as the stack makes them: lowercase letters and
// digits.
func isSlug(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
