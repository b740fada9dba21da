package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cozypi/cozy/appliance/authdns"
	"github.com/cozypi/cozy/appliance/certs/pebbletest"
	"github.com/cozypi/cozy/appliance/certstore"
	"github.com/libdns/libdns"
	"github.com/libdns/rfc2136"
	"github.com/miekg/dns"
)

const (
	testDomain = "home.test"
	tsigName   = "cozy-box."
	tsigSecret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYg=="
)

// quiet is the logger of the tests (set COZY_TEST_LOG to see the logs).
func quiet() *slog.Logger {
	return slog.New(slog.DiscardHandler)
}

// domainEnv is the world of domain mode: the project's authoritative server
// for the domain and pebble resolving through it.
type domainEnv struct {
	dns    *authdns.Server
	pebble *pebbletest.Server
	store  string // bbolt file of the box
}

func newDomainEnv(t *testing.T, profiles map[string]int) *domainEnv {
	t.Helper()
	srv, err := authdns.Start(context.Background(), authdns.Config{
		Zone: testDomain, Addr: "127.0.0.1:0",
		Keys: map[string]string{tsigName: tsigSecret}, Logger: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return &domainEnv{dns: srv, pebble: pebbletest.Start(t, srv.Addr(), profiles), store: filepath.Join(t.TempDir(), "box.db")}
}

func (e *domainEnv) provider() *rfc2136.Provider {
	return &rfc2136.Provider{KeyName: tsigName, KeyAlg: dns.HmacSHA256, Key: tsigSecret, Server: e.dns.Addr()}
}

// manager opens the box's store and makes a domain-mode manager on it; both
// are closed at the end of t (or by the returned stop).
func (e *domainEnv) manager(t *testing.T, profile string, tweak func(*Config)) (*Manager, func()) {
	t.Helper()
	st, err := certstore.Open(e.store, certstore.Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Mode:    ModeDomain,
		Storage: st,
		Domain:  testDomain,
		DNS:     e.provider(),
		Logger:  quiet(),
	}
	if e.pebble != nil {
		cfg.ACME = ACME{
			CA:                 e.pebble.Dir,
			Email:              "admin@" + testDomain,
			TrustedRoots:       e.pebble.HTTPS,
			Profile:            profile,
			Resolvers:          []string{e.dns.Addr()},
			TTL:                10 * time.Second,
			PropagationTimeout: -1, // pebble asks the same server at once
		}
	}
	if tweak != nil {
		tweak(&cfg)
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			if err := m.Close(); err != nil {
				t.Error(err)
			}
			st.Close()
		})
	}
	t.Cleanup(stop)
	return m, stop
}

// serve runs a TLS listener with m's configuration on loopback; every
// connection is handshaken and closed.
func serve(t *testing.T, m *Manager) string {
	t.Helper()
	return serveTLS(t, m.TLSConfig())
}

// serveTLS runs a TLS listener with cfg on loopback; every connection is
// handshaken and closed.
func serveTLS(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				c.(*tls.Conn).Handshake()
				c.Close()
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

// handshake connects to addr with SNI sni and verifies the served chain
// against roots; it returns the leaf.
func handshake(addr, sni string, roots *x509.CertPool) (*x509.Certificate, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{ServerName: sni, RootCAs: roots})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0], nil
}

// waitFor waits (on Changed, no polling) until cond holds for m's status.
func waitFor(t *testing.T, m *Manager, timeout time.Duration, what string, cond func(Status) bool) Status {
	t.Helper()
	deadline := time.After(timeout)
	for {
		ch := m.Changed()
		st := m.Status()
		if cond(st) {
			return st
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s; status %+v", what, st)
		}
	}
}

func TestDomainWildcardServedForApexInstanceAndAppHost(t *testing.T) {
	e := newDomainEnv(t, map[string]int{"default": 90 * 24 * 3600})
	// certmagic's propagation check on, as on the box: it asks authdns for
	// the TXT records before telling pebble to validate.
	m, _ := e.manager(t, "default", func(c *Config) { c.ACME.PropagationTimeout = 30 * time.Second })
	addr := serve(t, m)
	start := time.Now()
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-m.Ready():
	case <-time.After(30 * time.Second):
		t.Fatalf("no certificate after 30 s: %+v", m.Status())
	}
	leaf, err := handshake(addr, testDomain, e.pebble.Roots)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("FIGURE time from Start to a served certificate (apex + wildcard, DNS-01 via RFC 2136 against pebble, propagation check on): %v", time.Since(start).Round(time.Millisecond))
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != testDomain {
		t.Fatalf("apex served %v", leaf.DNSNames)
	}
	for _, host := range []string{"alice." + testDomain, "alice-drive." + testDomain} {
		leaf, err := handshake(addr, host, e.pebble.Roots)
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != "*."+testDomain {
			t.Fatalf("%s served %v", host, leaf.DNSNames)
		}
	}
	// A name outside the domain gets no certificate.
	if _, err := handshake(addr, "example.com", nil); err == nil {
		t.Fatal("handshake for example.com succeeded")
	}
	st := m.Status()
	if !st.Ready || st.ReadyAfter <= 0 || len(st.Certificates) != 2 || st.LastError != "" {
		t.Fatalf("status %+v", st)
	}
	for _, c := range st.Certificates {
		if c.Obtained.IsZero() || !c.NextRenewal.After(time.Now()) || !c.NextRenewal.Before(c.NotAfter) {
			t.Fatalf("certificate status %+v", c)
		}
	}
	// The challenge records were cleaned up.
	if resp := query(t, e.dns.Addr(), "_acme-challenge."+testDomain+".", dns.TypeTXT); len(resp.Answer) != 0 {
		t.Fatalf("challenge records left: %v", resp.Answer)
	}
}

func TestDomainRestartReusesStoredCertificates(t *testing.T) {
	e := newDomainEnv(t, map[string]int{"default": 90 * 24 * 3600})
	m1, stop1 := e.manager(t, "default", nil)
	start := time.Now()
	if err := m1.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-m1.Ready()
	t.Logf("FIGURE time from Start to ready (apex + wildcard, propagation check off): %v", time.Since(start).Round(time.Millisecond))
	before := serials(m1.Status())
	stop1()

	// A new manager over the same bbolt file: the certificates come from
	// storage, nothing is obtained.
	serial := e.dns.Serial()
	m2, _ := e.manager(t, "default", nil)
	addr := serve(t, m2)
	start = time.Now()
	if err := m2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-m2.Ready():
	case <-time.After(10 * time.Second):
		t.Fatalf("restart not ready: %+v", m2.Status())
	}
	t.Logf("FIGURE time from Start to ready after a restart (certificates from bbolt): %v", time.Since(start).Round(time.Microsecond))
	st := m2.Status()
	after := serials(st)
	if len(after) != 2 || after[testDomain] != before[testDomain] || after["*."+testDomain] != before["*."+testDomain] {
		t.Fatalf("serials before %v after %v", before, after)
	}
	for _, c := range st.Certificates {
		if !c.Obtained.IsZero() {
			t.Fatalf("%s obtained again after restart", c.Name)
		}
	}
	if e.dns.Serial() != serial {
		t.Fatal("the zone was updated (a challenge) after restart")
	}
	leaf, err := handshake(addr, "bob-photos."+testDomain, e.pebble.Roots)
	if err != nil || leaf.SerialNumber.String() != before["*."+testDomain] {
		t.Fatalf("served after restart: %v %v", leaf, err)
	}
}

func TestDomainRenewsShortLivedCertificates(t *testing.T) {
	e := newDomainEnv(t, map[string]int{"shortlived": 12})
	m, _ := e.manager(t, "shortlived", func(c *Config) {
		c.RenewCheckInterval = 500 * time.Millisecond
		c.RenewalWindowRatio = 0.5
	})
	addr := serve(t, m)
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-m.Ready()
	first, err := handshake(addr, "alice."+testDomain, e.pebble.Roots)
	if err != nil {
		t.Fatal(err)
	}
	if life := first.NotAfter.Sub(first.NotBefore); life > 15*time.Second {
		t.Fatalf("certificate valid for %v, want the short-lived profile", life)
	}
	st := waitFor(t, m, 30*time.Second, "renewal of both certificates", func(st Status) bool {
		n := 0
		for _, c := range st.Certificates {
			if c.Renewals > 0 {
				n++
			}
		}
		return n == 2
	})
	t.Logf("renewed: %+v", st.Certificates)
	// certmagic swaps the renewed certificate into its cache just after
	// the event: wait for the handshake to show it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		second, err := handshake(addr, "alice."+testDomain, e.pebble.Roots)
		if err == nil && second.SerialNumber.Cmp(first.SerialNumber) != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the renewed certificate is not served: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDomainObtainFailureIsReportedAndCloseWaits(t *testing.T) {
	srv, err := authdns.Start(context.Background(), authdns.Config{Zone: testDomain, Addr: "127.0.0.1:0", Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	e := &domainEnv{dns: srv, store: filepath.Join(t.TempDir(), "box.db")}
	m, stop := e.manager(t, "", func(c *Config) {
		c.ACME = ACME{CA: fmt.Sprintf("https://127.0.0.1:%d/dir", pebbletest.FreePort(t)), Resolvers: []string{srv.Addr()}}
	})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(context.Background()); err == nil {
		t.Fatal("second Start accepted")
	}
	st := waitFor(t, m, 10*time.Second, "the error", func(st Status) bool { return st.LastError != "" })
	if st.Ready || st.LastErrorAt.IsZero() || len(st.Certificates) != 0 {
		t.Fatalf("status after failure %+v", st)
	}
	// Close ends the retry loop (which waits a backoff) and returns.
	done := make(chan struct{})
	go func() { stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	if err := m.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if err := m.Start(context.Background()); err == nil {
		t.Fatal("Start after Close accepted")
	}
}

func TestPublishBoxAddresses(t *testing.T) {
	srv, err := authdns.Start(context.Background(), authdns.Config{
		Zone: testDomain, Addr: "127.0.0.1:0", Keys: map[string]string{tsigName: tsigSecret}, Logger: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	e := &domainEnv{dns: srv, store: filepath.Join(t.TempDir(), "box.db")}
	m, _ := e.manager(t, "", nil)
	ctx := context.Background()

	v4, v6 := netip.MustParseAddr("192.168.1.20"), netip.MustParseAddr("fd00::20")
	if err := m.SetAddrs(ctx, []netip.Addr{v6, v4}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{testDomain, "alice." + testDomain, "alice-drive." + testDomain} {
		if got := addrsOf(t, srv.Addr(), name); len(got) != 2 || got[0] != v4 || got[1] != v6 {
			t.Fatalf("%s: %v", name, got)
		}
	}
	// The address changes and v6 goes away: the records follow.
	v4b := netip.MustParseAddr("192.168.1.33")
	if err := m.SetAddrs(ctx, []netip.Addr{v4b}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{testDomain, "bob." + testDomain} {
		if got := addrsOf(t, srv.Addr(), name); len(got) != 1 || got[0] != v4b {
			t.Fatalf("%s after change: %v", name, got)
		}
	}
	// Same addresses again: no update is sent.
	serial := srv.Serial()
	if err := m.SetAddrs(ctx, []netip.Addr{v4b}); err != nil || srv.Serial() != serial {
		t.Fatalf("republished unchanged addresses: %v", err)
	}
	st := m.Status().Records
	if len(st.Addrs) != 1 || st.Addrs[0] != v4b || st.PublishedAt.IsZero() || st.LastError != "" {
		t.Fatalf("records status %+v", st)
	}
}

func TestPublishFailureIsRetried(t *testing.T) {
	srv, err := authdns.Start(context.Background(), authdns.Config{
		Zone: testDomain, Addr: "127.0.0.1:0", Keys: map[string]string{tsigName: tsigSecret}, Logger: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	e := &domainEnv{dns: srv, store: filepath.Join(t.TempDir(), "box.db")}
	flaky := &flakyProvider{Provider: e.provider(), fail: 2}
	m, _ := e.manager(t, "", func(c *Config) {
		c.DNS = flaky
		// Start also begins obtaining: keep that on loopback, where
		// nothing listens, so it fails at once.
		c.ACME = ACME{CA: fmt.Sprintf("https://127.0.0.1:%d/dir", pebbletest.FreePort(t)), Resolvers: []string{srv.Addr()}}
	})
	m.pub.firstRetry = 20 * time.Millisecond
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	v4 := netip.MustParseAddr("192.168.1.20")
	if err := m.SetAddrs(context.Background(), []netip.Addr{v4}); err == nil {
		t.Fatal("first publication did not fail")
	}
	if st := m.Status().Records; st.LastError == "" || len(st.Pending) != 1 {
		t.Fatalf("records status after failure %+v", st)
	}
	waitFor(t, m, 10*time.Second, "the retried publication", func(st Status) bool { return len(st.Records.Addrs) == 1 })
	if got := addrsOf(t, srv.Addr(), "alice."+testDomain); len(got) != 1 || got[0] != v4 {
		t.Fatalf("after retry: %v", got)
	}
}

// serials maps each certificate's name to its serial number.
func serials(st Status) map[string]string {
	out := map[string]string{}
	for _, c := range st.Certificates {
		out[c.Name] = c.Serial
	}
	return out
}

func query(t *testing.T, server, name string, qtype uint16) *dns.Msg {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	resp, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(q, server)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// addrsOf asks server for name's A then AAAA records.
func addrsOf(t *testing.T, server, name string) []netip.Addr {
	t.Helper()
	var out []netip.Addr
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		for _, rr := range query(t, server, dns.Fqdn(name), qt).Answer {
			switch rr := rr.(type) {
			case *dns.A:
				a, _ := netip.AddrFromSlice(rr.A.To4())
				out = append(out, a)
			case *dns.AAAA:
				a, _ := netip.AddrFromSlice(rr.AAAA)
				out = append(out, a)
			}
		}
	}
	return out
}

// flakyProvider fails its first fail SetRecords calls, as a DNS host that
// is briefly unreachable.
type flakyProvider struct {
	*rfc2136.Provider
	mu   sync.Mutex
	fail int
}

func (f *flakyProvider) SetRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	f.mu.Lock()
	failing := f.fail > 0
	f.fail--
	f.mu.Unlock()
	if failing {
		return nil, errors.New("DNS host unreachable")
	}
	return f.Provider.SetRecords(ctx, zone, recs)
}
