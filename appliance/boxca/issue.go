package boxca

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// ErrNotPermitted is returned for a name or address outside the root's
// constraints.
var ErrNotPermitted = errors.New("boxca: name not permitted by the box CA")

// IssueCSR signs a leaf for the names and addresses of csr (its DNS and IP
// SANs) after checking them against the root's constraints; it returns the
// chain in PEM (leaf then root). This is the shape certmagic's Issuer needs.
func (ca *CA) IssueCSR(ctx context.Context, csr *x509.CertificateRequest) ([]byte, error) {
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("boxca: csr signature: %w", err)
	}
	var ips []netip.Addr
	for _, ip := range csr.IPAddresses {
		a, _ := netip.AddrFromSlice(ip)
		ips = append(ips, a.Unmap())
	}
	der, err := ca.sign(ctx, csr.DNSNames, ips, csr.PublicKey)
	if err != nil {
		return nil, err
	}
	return append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), ca.rootPEM...), nil
}

// IssueTLS makes a new P-256 key and a leaf for names and ips, ready for a
// tls.Config.
func (ca *CA) IssueTLS(ctx context.Context, names []string, ips []netip.Addr) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("boxca: leaf key: %w", err)
	}
	der, err := ca.sign(ctx, names, ips, &key.PublicKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("boxca: parse leaf: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der, ca.root.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

// Permitted checks names and ips against the root's constraints: each name
// a valid host name under a permitted domain, each address in a permitted
// range. It wraps ErrNotPermitted.
func (ca *CA) Permitted(names []string, ips []netip.Addr) error {
	if len(names)+len(ips) == 0 {
		return fmt.Errorf("%w: no name", ErrNotPermitted)
	}
	for _, n := range names {
		if !validHost(n) || !ca.domainPermitted(n) {
			return fmt.Errorf("%w: %q", ErrNotPermitted, n)
		}
	}
	for _, a := range ips {
		if !ca.ipPermitted(a) {
			return fmt.Errorf("%w: %s", ErrNotPermitted, a)
		}
	}
	return nil
}

// sign checks and signs one leaf for pub.
func (ca *CA) sign(ctx context.Context, names []string, ips []netip.Addr, pub any) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ca.Permitted(names, ips); err != nil {
		return nil, err
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	now := ca.now()
	notAfter := now.Add(ca.leafTTL)
	if notAfter.After(ca.root.NotAfter) {
		notAfter = ca.root.NotAfter
	}
	cn := ""
	if len(names) > 0 {
		cn = names[0]
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-time.Hour), // clock skew on phones
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              names,
	}
	for _, a := range ips {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.IP(a.AsSlice()))
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.root, pub, ca.key)
	if err != nil {
		return nil, fmt.Errorf("boxca: sign leaf: %w", err)
	}
	return der, nil
}

// domainPermitted applies the root's DNS constraints (RFC 5280 form: the
// domain itself and every name below it).
func (ca *CA) domainPermitted(n string) bool {
	n = strings.ToLower(strings.TrimSuffix(n, "."))
	for _, d := range ca.root.PermittedDNSDomains {
		d = strings.ToLower(strings.TrimPrefix(d, "."))
		if n == d || strings.HasSuffix(n, "."+d) {
			return true
		}
	}
	return false
}

// ipPermitted applies the root's IP constraints.
func (ca *CA) ipPermitted(a netip.Addr) bool {
	for _, r := range ca.root.PermittedIPRanges {
		if r.Contains(a.AsSlice()) {
			return true
		}
	}
	return false
}

// validHost accepts LDH host names (no wildcard: each app has its own
// name and the CA issues on demand).
func validHost(n string) bool {
	n = strings.TrimSuffix(n, ".")
	if n == "" || len(n) > 253 {
		return false
	}
	for _, l := range strings.Split(n, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}
