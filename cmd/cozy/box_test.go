package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// boxRequest sends a plain HTTP request to addr with the given Host, following no
// redirect.
func boxRequest(t *testing.T, method, addr, host, path string, body []byte) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+addr+path, bytes.NewReader(body))
	req.Host = host
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// handshake dials the box's HTTPS listener with SNI name and verifies the
// chain against roots.
func handshake(addr, name string, roots *x509.CertPool) (*x509.Certificate, error) {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{ServerName: name, RootCAs: roots})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0], nil
}

// TestServeBox runs `cozy serve --box` as cozy.service does (sockets
// http, admin and https passed by systemd) and sets the box up as a
// household would, with the LAN-only way to HTTPS: the first visit goes to
// the setup page, the setup makes the instance cozy.local, the box CA's
// root is offered over plain HTTP, HTTPS then serves cozy.local and its
// apps' names with leaves that verify against that root, plain HTTP to the
// instance redirects to HTTPS, and a restart serves the same root.
func TestServeBox(t *testing.T) {
	dir := t.TempDir()
	opts := serveOptions{https: true, args: []string{"--box", "--box-interfaces", "cozy-test-none0", "--log-level", "debug"},
		env: []string{"COZY_ADMIN_PASSPHRASE=box-admin"}}
	s := startServerWith(t, dir, opts)
	s.cliEnv = opts.env
	if out, err := s.cli(t, "status"); err != nil || !strings.Contains(out, "waiting for its first-boot setup at http://cozy.local") {
		t.Fatalf("cozy status before setup: %q %v", out, err)
	}

	res := boxRequest(t, "GET", s.public, "cozy.local", "/", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/box/setup" {
		t.Fatalf("first visit: %d %q; log:\n%s", res.StatusCode, res.Header.Get("Location"), s.log())
	}
	body, _ := json.Marshal(map[string]any{"household": "The Smiths", "member": "alice", "tz": "Europe/Paris",
		"https": map[string]string{"mode": "lan"}})
	res = boxRequest(t, "POST", s.public, "cozy.local", "/box/setup", body)
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("setup: %d %s; log:\n%s", res.StatusCode, b, s.log())
	}
	var answer struct{ Instance, Registration string }
	if err := json.Unmarshal(b, &answer); err != nil || answer.Instance != "https://cozy.local/" {
		t.Fatalf("setup answer %s", b)
	}
	res = boxRequest(t, "GET", s.public, "cozy.local", "/box/ca.crt", nil)
	raw, _ := io.ReadAll(res.Body) // DER, as devices import it
	root, err := x509.ParseCertificate(raw)
	if res.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("root: %d %v", res.StatusCode, err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(root)
	for _, name := range []string{"cozy.local", "cozy-drive.local"} {
		leaf, err := handshake(s.https, name, roots)
		if err != nil {
			t.Fatalf("%s over HTTPS: %v; log:\n%s", name, err, s.log())
		}
		if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != name {
			t.Fatalf("%s served %v", name, leaf.DNSNames)
		}
	}
	if _, err := handshake(s.https, "example.com", nil); err == nil {
		t.Fatal("a certificate for example.com")
	}
	out, err := s.cli(t, "status")
	if err != nil || !strings.Contains(out, "HTTPS lan: ready") || !strings.Contains(out, "certificates for cozy.local") {
		t.Fatalf("cozy status after setup: %q %v", out, err)
	}
	res = boxRequest(t, "GET", s.public, "cozy.local", "/auth/login", nil)
	if res.StatusCode != http.StatusPermanentRedirect || !strings.HasPrefix(res.Header.Get("Location"), "https://cozy.local/") {
		t.Fatalf("plain HTTP after HTTPS: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	// The instance answers over HTTPS (its login page).
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, s.https)
		},
	}}
	res2, err := hc.Get("https://cozy.local/auth/login")
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.StatusCode != http.StatusOK {
		t.Fatalf("login page over HTTPS: %d", res2.StatusCode)
	}

	// A restart keeps the household, the scheme and the root.
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
	s = startServerWith(t, dir, opts)
	if _, err := handshake(s.https, "cozy.local", roots); err != nil {
		t.Fatalf("after a restart: %v; log:\n%s", err, s.log())
	}
	res = boxRequest(t, "GET", s.public, "cozy.local", "/box/setup", nil)
	if res.StatusCode == http.StatusOK {
		t.Fatal("the setup page is open again after a restart")
	}
}
