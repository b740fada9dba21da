package boxca

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"testing"
	"time"
)

var lan = []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24"), netip.MustParsePrefix("fd00:1::/64")}

// openCA makes a CA in memory storage.
func openCA(t *testing.T, store *memStorage, cfg Config) *CA {
	t.Helper()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	ca, err := Open(context.Background(), store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func TestOpenCreatesOnceThenLoads(t *testing.T) {
	store := newMemStorage()
	first := openCA(t, store, Config{Name: "Cozy box CA (test)", LAN: lan})
	if store.writes != 2 {
		t.Fatalf("first boot wrote %d keys, want root and key", store.writes)
	}
	again := openCA(t, store, Config{})
	if store.writes != 2 || !again.Root().Equal(first.Root()) {
		t.Fatal("second boot made a new root")
	}
	r := first.Root()
	if !r.IsCA || !r.MaxPathLenZero || !r.PermittedDNSDomainsCritical || r.Subject.CommonName != "Cozy box CA (test)" {
		t.Fatalf("root %+v", r)
	}
	if len(r.PermittedDNSDomains) != 1 || r.PermittedDNSDomains[0] != DefaultDomain || len(r.PermittedIPRanges) != 2 {
		t.Fatalf("constraints %v %v", r.PermittedDNSDomains, r.PermittedIPRanges)
	}
	if r.PublicKeyAlgorithm != x509.ECDSA || r.NotAfter.Sub(r.NotBefore) < 9*365*24*time.Hour {
		t.Fatalf("root key %v, validity %v", r.PublicKeyAlgorithm, r.NotAfter.Sub(r.NotBefore))
	}
}

func TestOpenRejectsBrokenStorage(t *testing.T) {
	store := newMemStorage()
	openCA(t, store, Config{})
	other := newMemStorage()
	openCA(t, other, Config{})
	// A key that is not the root's.
	store.data[rootKeyKey] = other.data[rootKeyKey]
	if _, err := Open(context.Background(), store, Config{}); err == nil {
		t.Fatal("opened a root with another CA's key")
	}
	// Only one of the two stored.
	half := newMemStorage()
	half.data[rootCertKey] = other.data[rootCertKey]
	if _, err := Open(context.Background(), half, Config{}); err == nil {
		t.Fatal("opened a root without its key")
	}
	// A failing store at first boot.
	failing := newMemStorage()
	failing.fail = errors.New("disk full")
	if _, err := Open(context.Background(), failing, Config{}); err == nil {
		t.Fatal("first boot ignored a storage failure")
	}
}

func TestRootPEMAndPool(t *testing.T) {
	ca := openCA(t, newMemStorage(), Config{})
	certs, err := x509.ParseCertificates(pemToDER(t, ca.RootPEM()))
	if err != nil || len(certs) != 1 || !certs[0].Equal(ca.Root()) {
		t.Fatalf("RootPEM: %v", err)
	}
	if !ca.Pool().Equal(ca.Pool()) {
		t.Fatal("pool")
	}
}
