package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// pebbleVersion is the ACME test server the box's domain way to HTTPS is
// tested against, built from the module proxy into bin/tools as the
// Makefile's test-deps does (appliance/certs tests run the same one).
const pebbleVersion = "v2.10.3"

// pebble is a running pebble on loopback.
type pebble struct {
	dir      string // directory URL
	https    *x509.CertPool
	httpsPEM string // file of the root of pebble's own HTTPS
	mgmt     string
}

var pebbleBuild sync.Mutex

// pebbleBinary finds pebble: $PEBBLE, else bin/tools/pebble-<version>/pebble
// of the module, built there (go install) when missing.
func pebbleBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PEBBLE"); p != "" {
		return p
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "bin", "tools", "pebble-"+pebbleVersion)
	bin := filepath.Join(dir, "pebble")
	pebbleBuild.Lock()
	defer pebbleBuild.Unlock()
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	cmd := exec.Command("go", "install", "github.com/letsencrypt/pebble/v2/cmd/pebble@"+pebbleVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building pebble (make test-deps does it too): %v\n%s", err, out)
	}
	return bin
}

// startPebble runs pebble with its DNS resolver at dnsAddr, DNS-01 only,
// without its random delays and nonce rejections. It is killed at the end
// of t.
func startPebble(t *testing.T, dnsAddr string) *pebble {
	t.Helper()
	bin := pebbleBinary(t)
	tmp := t.TempDir()
	certFile, keyFile, pool := pebbleCert(t, tmp)
	for try := 0; ; try++ {
		acmePort, mgmtPort := freePort(t), freePort(t)
		conf := map[string]any{"pebble": map[string]any{
			"listenAddress":           fmt.Sprintf("127.0.0.1:%d", acmePort),
			"managementListenAddress": fmt.Sprintf("127.0.0.1:%d", mgmtPort),
			"certificate":             certFile,
			"privateKey":              keyFile,
			// Never used (DNS-01 only), but pebble wants ports.
			"httpPort": 5002, "tlsPort": 5001,
			"retryAfter":   map[string]int{"authz": 1, "order": 1},
			"keyAlgorithm": "ecdsa",
		}}
		confFile := filepath.Join(tmp, "pebble.json")
		b, _ := json.Marshal(conf)
		if err := os.WriteFile(confFile, b, 0o600); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		cmd := exec.Command(bin, "-config", confFile, "-dnsserver", dnsAddr)
		cmd.Env = append(os.Environ(),
			"PEBBLE_VA_NOSLEEP=1",      // no random validation delay
			"PEBBLE_WFE_NONCEREJECT=0", // no random bad-nonce errors
		)
		cmd.Stdout, cmd.Stderr = &syncWriter{w: &logs}, &syncWriter{w: &logs}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		stop := func() { cmd.Process.Kill(); <-exited }
		p := &pebble{
			dir:      fmt.Sprintf("https://127.0.0.1:%d/dir", acmePort),
			mgmt:     fmt.Sprintf("https://127.0.0.1:%d", mgmtPort),
			https:    pool,
			httpsPEM: certFile,
		}
		if err := p.waitReady(exited); err != nil {
			stop()
			if try < 3 {
				continue // a port taken in between: try others
			}
			t.Fatalf("pebble did not start: %v\n%s", err, logs.String())
		}
		t.Cleanup(func() {
			stop()
			if t.Failed() {
				t.Logf("pebble log:\n%s", logs.String())
			}
		})
		return p
	}
}

// waitReady polls the directory until pebble answers, it exits or 20 s.
func (p *pebble) waitReady(exited <-chan struct{}) error {
	c := p.client()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := c.Get(p.dir)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("pebble exited: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready: %v", err)
		}
	}
}

func (p *pebble) client() *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.https}}}
}

// root is the PEM of the root pebble made at start for the certificates
// it issues (its management API).
func (p *pebble) root(t *testing.T) []byte {
	t.Helper()
	resp, err := p.client().Get(p.mgmt + "/roots/0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if blk, _ := pem.Decode(b); resp.StatusCode != http.StatusOK || blk == nil {
		t.Fatalf("pebble root: %d %s", resp.StatusCode, b)
	}
	return b
}

// pebbleCert writes a self-signed certificate for 127.0.0.1, pebble's
// HTTPS, and returns its files and a pool trusting it.
func pebbleCert(t *testing.T, dir string) (string, string, *x509.CertPool) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "pebble test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// freePort is a loopback TCP port free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncWriter serialises writes of the two output streams into one buffer.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}
