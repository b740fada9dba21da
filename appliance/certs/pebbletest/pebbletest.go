// Package pebbletest runs pebble, Let's Encrypt's ACME test server, on
// loopback for the tests of the box's certificates (appliance/certs and
// cmd/cozy's end-to-end tests). It is imported only by _test files.
// Limits: DNS-01 only, one server per call, killed when the test ends.
package pebbletest

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
	"runtime"
	"sync"
	"testing"
	"time"
)

// pebbleVersion is the ACME test server the tests run, built from the
// module proxy into bin/tools as the Makefile's test-deps does.
const pebbleVersion = "v2.10.3"

// Server is a running pebble on loopback.
type Server struct {
	Dir       string         // directory URL
	HTTPS     *x509.CertPool // trusts pebble's own HTTPS
	HTTPSFile string         // PEM file of that root (for box.acme.root_file)
	Roots     *x509.CertPool // trusts the certificates it issues
	RootPEM   []byte         // the same root, PEM
	mgmt      string
}

var pebbleBuild sync.Mutex

// pebbleBinary finds pebble: $PEBBLE, else bin/tools/pebble-<version>/pebble
// of the module, built there (go install) when missing.
func pebbleBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("PEBBLE"); p != "" {
		return p
	}
	_, file, _, _ := runtime.Caller(0) // appliance/certs/pebbletest/pebbletest.go
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
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

// Start runs pebble with its DNS resolver at dnsAddr and the given
// profiles (name → validity in seconds). It is killed at the end of t.
func Start(t testing.TB, dnsAddr string, profiles map[string]int) *Server {
	t.Helper()
	bin := pebbleBinary(t)
	tmp := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, tmp)
	for try := 0; ; try++ {
		acmePort, mgmtPort := FreePort(t), FreePort(t)
		pc := map[string]any{
			"listenAddress":           fmt.Sprintf("127.0.0.1:%d", acmePort),
			"managementListenAddress": fmt.Sprintf("127.0.0.1:%d", mgmtPort),
			"certificate":             certFile,
			"privateKey":              keyFile,
			// Never used (DNS-01 only), but pebble wants ports.
			"httpPort": 5002, "tlsPort": 5001,
			"retryAfter":   map[string]int{"authz": 1, "order": 1},
			"keyAlgorithm": "ecdsa",
		}
		if len(profiles) > 0 {
			profs := map[string]any{}
			for name, secs := range profiles {
				profs[name] = map[string]any{"description": name, "validityPeriod": secs}
			}
			pc["profiles"] = profs
		}
		conf := map[string]any{"pebble": pc}
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
			"PEBBLE_AUTHZREUSE=0",      // every order validates anew
		)
		cmd.Stdout, cmd.Stderr = &syncWriter{w: &logs}, &syncWriter{w: &logs}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		stop := func() { cmd.Process.Kill(); <-exited }
		p := &Server{
			Dir:       fmt.Sprintf("https://127.0.0.1:%d/dir", acmePort),
			mgmt:      fmt.Sprintf("https://127.0.0.1:%d", mgmtPort),
			HTTPS:     pool,
			HTTPSFile: certFile,
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
		p.RootPEM = p.fetchRoot(t)
		p.Roots = x509.NewCertPool()
		p.Roots.AppendCertsFromPEM(p.RootPEM)
		return p
	}
}

// waitReady polls the directory until pebble answers, it exits or 20 s.
func (p *Server) waitReady(exited <-chan struct{}) error {
	c := p.client()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := c.Get(p.Dir)
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

func (p *Server) client() *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.HTTPS}}}
}

// fetchRoot gets the root pebble made at start for the certificates it
// issues.
func (p *Server) fetchRoot(t testing.TB) []byte {
	t.Helper()
	resp, err := p.client().Get(p.mgmt + "/roots/0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !x509.NewCertPool().AppendCertsFromPEM(b) {
		t.Fatalf("pebble root: %s", b)
	}
	return b
}

// selfSigned writes a certificate for 127.0.0.1 for pebble's HTTPS.
func selfSigned(t testing.TB, dir string) (string, string, *x509.CertPool) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "pebble test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
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
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// FreePort is a loopback TCP port free a moment ago.
func FreePort(t testing.TB) int {
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
