package certs

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/cozypi/cozy/appliance/boxca"
	"github.com/cozypi/cozy/appliance/certstore"
	"github.com/cozypi/cozy/pkg/box"
)

// newSwitch is a Switch over a fresh box store, closed at the end of t.
func newSwitch(t *testing.T, acme ACME) *Switch {
	t.Helper()
	st, err := certstore.Open(filepath.Join(t.TempDir(), "box.db"), certstore.Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	s := &Switch{
		Storage: st,
		ACME:    acme,
		CA: func(ctx context.Context) (*boxca.CA, error) {
			return boxca.Open(ctx, st, boxca.Config{LAN: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Logger: quiet()})
		},
		LANAddrs: func() []netip.Addr { return []netip.Addr{netip.MustParseAddr("127.0.0.1")} },
		Logger:   quiet(),
	}
	t.Cleanup(func() { s.Close(); st.Close() })
	return s
}

// TestSwitchFollowsTheHouseholdsChoice: the setup's choice starts the
// matching manager behind one TLS configuration; the same choice again
// changes nothing; "later" serves no certificate; a closed switch refuses.
func TestSwitchFollowsTheHouseholdsChoice(t *testing.T) {
	ctx := context.Background()
	s := newSwitch(t, ACME{})
	addr := serveTLS(t, s.TLSConfig())
	if st := s.Status(); st.State != box.StateNone {
		t.Fatalf("before a choice: %+v", st)
	}
	if _, err := handshake(addr, "cozy.local", nil); err == nil {
		t.Fatal("a certificate before any choice")
	}

	lan := box.Choice{Mode: box.ModeLAN, Names: []string{"cozy.local"}, OnDemand: []string{"cozy-*.local"}}
	if err := s.Configure(ctx, lan); err != nil {
		t.Fatal(err)
	}
	st := s.Status()
	if st.State != box.StateReady || len(st.RootCA) == 0 {
		t.Fatalf("lan status %+v", st)
	}
	ca, err := s.CA(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := handshake(addr, "cozy-drive.local", ca.Pool()); err != nil {
		t.Fatalf("cozy-drive.local: %v", err)
	}
	m := s.Manager()
	if err := s.Configure(ctx, lan); err != nil || s.Manager() != m {
		t.Fatalf("the same choice again: %v, manager replaced %v", err, s.Manager() != m)
	}

	if err := s.Configure(ctx, box.Choice{Mode: box.ModeDomain, Domain: "smith.example", Provider: "nope"}); !errors.Is(err, box.ErrInvalid) {
		t.Fatalf("unknown provider: %v, want ErrInvalid", err)
	}
	if s.Manager() != m {
		t.Fatal("a refused choice replaced the running manager")
	}

	if err := s.Configure(ctx, box.Choice{Mode: box.ModeLater}); err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); st.State != box.StateHTTP {
		t.Fatalf("later: %+v", st)
	}
	if _, err := handshake(addr, "cozy.local", nil); err == nil {
		t.Fatal("a certificate with the later choice")
	}

	s.Close()
	if err := s.Configure(ctx, lan); !errors.Is(err, ErrSwitchClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

// TestSwitchDomainAgainstPebble: the domain choice as the setup page sends
// it (provider name and credential fields) gets the wildcard certificate
// from pebble through the RFC 2136 provider.
func TestSwitchDomainAgainstPebble(t *testing.T) {
	e := newDomainEnv(t, map[string]int{"default": 90 * 24 * 3600})
	s := newSwitch(t, ACME{CA: e.pebble.Dir, TrustedRoots: e.pebble.HTTPS, Resolvers: []string{e.dns.Addr()},
		TTL: 10 * time.Second, PropagationTimeout: -1})
	addr := serveTLS(t, s.TLSConfig())
	c := box.Choice{Mode: box.ModeDomain, Domain: testDomain, Provider: "rfc2136",
		Credentials: map[string]string{"server": e.dns.Addr(), "key_name": tsigName, "key_alg": dns.HmacSHA256, "key": tsigSecret},
		Names:       []string{testDomain, "*." + testDomain}}
	if err := s.Configure(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for s.Status().State != box.StateReady {
		if time.Now().After(deadline) {
			t.Fatalf("not ready after 30 s: %+v", s.Status())
		}
		<-s.Manager().Changed()
	}
	if _, err := handshake(addr, "alice-drive."+testDomain, e.pebble.Roots); err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); st.Expiry.IsZero() || !st.NextRenewal.Before(st.Expiry) {
		t.Fatalf("status %+v", st)
	}
}
