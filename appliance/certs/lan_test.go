package certs

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/cozypi/cozy/appliance/boxca"
	"github.com/cozypi/cozy/appliance/certstore"
)

// lanManager makes a started lan-mode manager with a box CA constrained to
// .local and 127.0.0.0/8 (the test's "LAN"), the box being 127.0.0.1.
func lanManager(t *testing.T) (*Manager, *boxca.CA) {
	t.Helper()
	st, err := certstore.Open(filepath.Join(t.TempDir(), "box.db"), certstore.Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	ca, err := boxca.Open(ctx, st, boxca.Config{LAN: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{
		Mode:     ModeLAN,
		Storage:  st,
		CA:       ca,
		LANHosts: []string{"cozy.local"},
		LANAddrs: func() []netip.Addr { return []netip.Addr{netip.MustParseAddr("127.0.0.1")} },
		Logger:   quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, ca
}

func TestLANHandshakes(t *testing.T) {
	m, ca := lanManager(t)
	addr := serve(t, m)
	start := time.Now()
	for _, host := range []string{"cozy-drive.local", "cozy.local"} {
		leaf, err := handshake(addr, host, ca.Pool())
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != host {
			t.Fatalf("%s served %v", host, leaf.DNSNames)
		}
	}
	t.Logf("FIGURE lan mode, two on-demand certificates from the box CA: %v", time.Since(start).Round(time.Millisecond))
	// By address: no SNI, the certificate names the address.
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{ServerName: "127.0.0.1", RootCAs: ca.Pool()})
	if err != nil {
		t.Fatalf("by address: %v", err)
	}
	if ips := c.ConnectionState().PeerCertificates[0].IPAddresses; len(ips) != 1 || !ips[0].Equal(net.IPv4(127, 0, 0, 1)) {
		t.Fatalf("by address served %v", ips)
	}
	c.Close()
	// Names that are not the box's get nothing, whatever the client trusts.
	for _, host := range []string{"example.com", "other.local", "cozy-drive.example.com", "evil-drive.local"} {
		if _, err := handshake(addr, host, nil); err == nil {
			t.Fatalf("handshake for %s succeeded", host)
		}
	}
	// A second handshake for a name is served from the cache: the same
	// certificate.
	a, _ := handshake(addr, "cozy-drive.local", ca.Pool())
	b, _ := handshake(addr, "cozy-drive.local", ca.Pool())
	if a == nil || b == nil || a.SerialNumber.Cmp(b.SerialNumber) != 0 {
		t.Fatal("certificate issued again for a cached name")
	}
	st := m.Status()
	if !st.Ready || len(st.Certificates) < 3 {
		t.Fatalf("status %+v", st)
	}
}

func TestLANDecision(t *testing.T) {
	m, _ := lanManager(t)
	ctx := context.Background()
	tests := []struct {
		name string
		ok   bool
	}{
		{"cozy.local", true},
		{"COZY.local.", true},
		{"cozy-drive.local", true},
		{"cozy-photos2.local", true},
		{"127.0.0.1", true},
		{"::ffff:127.0.0.1", true},
		{"127.0.0.2", false}, // in the CA's range but not the box's
		{"192.168.1.20", false},
		{"cozy-.local", false},
		{"cozy-dr_ive.local", false},
		{"cozy-drive.local.example.com", false},
		{"x.cozy.local", false},
		{"alice-drive.local", false},
		{"example.com", false},
		{"", false},
	}
	for _, tc := range tests {
		if err := m.LANDecision(ctx, tc.name); (err == nil) != tc.ok {
			t.Errorf("LANDecision(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
