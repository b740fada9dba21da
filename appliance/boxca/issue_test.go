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
	"io"
	"math/big"
	"net"
	"net/netip"
	"testing"
	"time"
)

// pemToDER concatenates the DER of every PEM block.
func pemToDER(t *testing.T, b []byte) []byte {
	t.Helper()
	var out []byte
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return out
		}
		out = append(out, blk.Bytes...)
	}
}

// verify checks leaf against the CA's root for a DNS name or an IP.
func verify(ca *CA, leaf *x509.Certificate, name string) error {
	_, err := leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: name, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return err
}

func TestIssueLeafVerifies(t *testing.T) {
	ca := openCA(t, newMemStorage(), Config{LAN: lan})
	cert, err := ca.IssueTLS(context.Background(), []string{"cozy-drive.local", "cozy.local"}, []netip.Addr{netip.MustParseAddr("192.168.1.20")})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"cozy-drive.local", "cozy.local", "192.168.1.20"} {
		if err := verify(ca, cert.Leaf, name); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := verify(ca, cert.Leaf, "cozy-photos.local"); err == nil {
		t.Fatal("leaf verified for a name it does not carry")
	}
	if cert.Leaf.PublicKeyAlgorithm != x509.ECDSA || cert.Leaf.IsCA || cert.Leaf.NotAfter.Sub(cert.Leaf.NotBefore) > 91*24*time.Hour {
		t.Fatalf("leaf %+v", cert.Leaf)
	}
}

func TestIssueRefusesNamesOutsideConstraints(t *testing.T) {
	ca := openCA(t, newMemStorage(), Config{LAN: lan})
	for _, tc := range []struct {
		names []string
		ips   []netip.Addr
	}{
		{names: []string{"example.com"}},
		{names: []string{"cozy.local", "example.com"}},
		{names: []string{"cozy.local.example.com"}},
		{names: []string{"evillocal"}},
		{names: []string{"*.local"}},
		{names: []string{"cozy.local"}, ips: []netip.Addr{netip.MustParseAddr("203.0.113.5")}},
		{names: []string{"cozy.local"}, ips: []netip.Addr{netip.MustParseAddr("fd00:2::1")}},
		{},
	} {
		if _, err := ca.IssueTLS(context.Background(), tc.names, tc.ips); !errors.Is(err, ErrNotPermitted) {
			t.Errorf("%v %v: %v, want ErrNotPermitted", tc.names, tc.ips, err)
		}
	}
}

// forge signs a leaf with the CA key directly, bypassing Issue's checks.
func forge(t *testing.T, ca *CA, names []string, ips []net.IP) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "forged"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: names, IPAddresses: ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.root, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}

func TestForgedLeafDoesNotVerify(t *testing.T) {
	ca := openCA(t, newMemStorage(), Config{LAN: lan})
	var inv x509.CertificateInvalidError
	leaf := forge(t, ca, []string{"example.com"}, nil)
	if err := verify(ca, leaf, "example.com"); !errors.As(err, &inv) || inv.Reason != x509.CANotAuthorizedForThisName {
		t.Fatalf("forged example.com: %v", err)
	}
	leaf = forge(t, ca, []string{"cozy.local"}, []net.IP{net.ParseIP("203.0.113.5")})
	if err := verify(ca, leaf, "cozy.local"); !errors.As(err, &inv) || inv.Reason != x509.CANotAuthorizedForThisName {
		t.Fatalf("forged address outside the LAN: %v", err)
	}
	// Without LAN prefixes no address at all is allowed.
	bare := openCA(t, newMemStorage(), Config{})
	leaf = forge(t, bare, []string{"cozy.local"}, []net.IP{net.ParseIP("192.168.1.20")})
	if err := verify(bare, leaf, "cozy.local"); err == nil {
		t.Fatal("a root without LAN prefixes vouched for an address")
	}
	if _, err := bare.IssueTLS(context.Background(), []string{"cozy.local"}, []netip.Addr{netip.MustParseAddr("192.168.1.20")}); !errors.Is(err, ErrNotPermitted) {
		t.Fatalf("issue with an address and no LAN: %v", err)
	}
	// The root cannot vouch for a sub-CA either (path length 0).
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sub := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "sub"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	subDER, _ := x509.CreateCertificate(rand.Reader, sub, ca.root, &key.PublicKey, ca.key)
	subCert, _ := x509.ParseCertificate(subDER)
	lk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	l := &x509.Certificate{SerialNumber: big.NewInt(8), DNSNames: []string{"cozy.local"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	lDER, _ := x509.CreateCertificate(rand.Reader, l, subCert, &lk.PublicKey, key)
	lCert, _ := x509.ParseCertificate(lDER)
	inter := x509.NewCertPool()
	inter.AddCert(subCert)
	if _, err := lCert.Verify(x509.VerifyOptions{Roots: ca.Pool(), Intermediates: inter, DNSName: "cozy.local"}); err == nil {
		t.Fatal("a leaf under a sub-CA verified")
	}
}

func TestIssueCSR(t *testing.T) {
	ca := openCA(t, newMemStorage(), Config{LAN: lan})
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{DNSNames: []string{"alice-photos.local"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	csr, _ := x509.ParseCertificateRequest(csrDER)
	chain, err := ca.IssueCSR(context.Background(), csr)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := x509.ParseCertificates(pemToDER(t, chain))
	if err != nil || len(certs) != 2 || !certs[1].Equal(ca.Root()) {
		t.Fatalf("chain: %v, %d certs", err, len(certs))
	}
	if err := verify(ca, certs[0], "alice-photos.local"); err != nil {
		t.Fatal(err)
	}
	bad, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{DNSNames: []string{"example.com"}}, key)
	badCSR, _ := x509.ParseCertificateRequest(bad)
	if _, err := ca.IssueCSR(context.Background(), badCSR); !errors.Is(err, ErrNotPermitted) {
		t.Fatalf("CSR for example.com: %v", err)
	}
}

func TestTLSHandshakeOverLoopback(t *testing.T) {
	ca := openCA(t, newMemStorage(), Config{LAN: lan})
	cert, err := ca.IssueTLS(context.Background(), []string{"cozy-drive.local"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		_, err = io.WriteString(c, "hello")
		done <- err
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: ca.Pool(), ServerName: "cozy-drive.local"})
	if err != nil {
		t.Fatalf("handshake for cozy-drive.local: %v", err)
	}
	b, err := io.ReadAll(c)
	c.Close()
	if err != nil || string(b) != "hello" {
		t.Fatalf("read %q %v", b, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The same server is refused by a client that wants another name.
	go func() {
		c, err := ln.Accept()
		if err == nil {
			// Drive the server side so the client's check can fail.
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
		done <- err
	}()
	if _, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: ca.Pool(), ServerName: "example.com"}); err == nil {
		t.Fatal("handshake for example.com succeeded")
	}
	<-done
}

func TestValidHost(t *testing.T) {
	for n, want := range map[string]bool{"cozy.local": true, "cozy.local.": true, "a-b.local": true, "": false, "-a.local": false, "a..local": false, "*.local": false, "é.local": false} {
		if validHost(n) != want {
			t.Errorf("validHost(%q) = %v", n, !want)
		}
	}
}
