package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/appliance/authdns"
	"github.com/cozypi/cozy/appliance/certs/pebbletest"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/miekg/dns"
)

// boxSetupSeen is what web/e2e/box-browser.mjs saw in its setup step.
type boxSetupSeen struct {
	SetupURL, State, Registration, Fingerprint, RootName, Untrusted string
	States                                                          []string
	SetupSecure, CAShown                                            bool
	ReadyMs                                                         int64
}

// boxHTTPSSeen is what web/e2e/box-browser.mjs saw in its https step.
type boxHTTPSSeen struct {
	OnboardingURL, Protocol, Subtle, LoginURL, Landed string
	Secure, Onboarded, SecureCookie, LoggedIn         bool
	TLS                                               *struct{ Protocol, Subject, Issuer string }
	Other                                             *struct {
		URL    string
		Status int
		TLS    *struct{ Protocol, Subject, Issuer string }
	}
}

// boxBrowser runs one step of web/e2e/box-browser.mjs with HOME at home
// (where Chromium's NSS database is) and decodes what it printed.
func boxBrowser(t *testing.T, home string, v any, args ...string) {
	t.Helper()
	out := webtest.Script{Path: "box-browser.mjs", Args: args, Env: []string{"HOME=" + home},
		Modules: []string{"playwright-core"}, Browser: true, Timeout: 90 * time.Second}.Run(t)
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("browser output %s: %v", out, err)
	}
	t.Logf("browser %s: %s", args[0], out)
}

// trustingHome makes a home directory whose NSS database (the one Chromium
// reads on Linux) trusts rootPEM to issue server certificates, as a user
// importing the root does.
func trustingHome(t *testing.T, name string, rootPEM []byte) string {
	t.Helper()
	certutil, err := exec.LookPath("certutil")
	if err != nil {
		t.Fatalf("certutil is not installed (libnss3-tools): run make test-deps (%v)", err)
	}
	home := t.TempDir()
	db := filepath.Join(home, ".pki", "nssdb")
	if err := os.MkdirAll(db, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(home, "root.pem")
	if err := os.WriteFile(file, rootPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-N", "-d", "sql:" + db, "--empty-password"},
		{"-A", "-d", "sql:" + db, "-n", name, "-t", "C,,", "-a", "-i", file},
	} {
		if out, err := exec.Command(certutil, args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	return home
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBoxLANInBrowser is a household's first boot with the LAN CA, in
// headless Chromium against the real `cozy serve --box` (systemd-style
// sockets on loopback; mDNS on an interface that does not exist, so it
// sends nothing). The names resolve to loopback through
// --host-resolver-rules, with the ports of a real box: http://cozy.local
// (port 80) to the HTTP listener for the first visit (not a secure
// context), and cozy.local:443 and cozy-*.local:443 to the HTTPS listener.
// (The setup keeps a non-default port the page was reached on in the
// instance's name, which is right for plain HTTP only: reached on
// http://cozy.local:PORT, the instance would be https://cozy.local:PORT,
// the HTTP port.) A fresh profile sets the box up with the LAN choice,
// sees the progress until ready, downloads the root from the page that
// explains it, and does not trust the box's HTTPS yet; then a profile whose NSS database trusts that root onboards the member
// over HTTPS (secure context, WebCrypto), logs out and in, lands on the
// instance, and opens an app's name on the HTTPS port itself.
func TestBoxLANInBrowser(t *testing.T) {
	webtest.SkipE2E(t)
	start := time.Now()
	s := startServerWith(t, t.TempDir(), serveOptions{https: true,
		args: []string{"--box", "--box-interfaces", "cozy-test-none0"}})
	httpPort, httpsPort := port(t, s.public), port(t, s.https)
	rules := "MAP cozy.local:80 127.0.0.1:" + httpPort + ", MAP cozy.local:443 127.0.0.1:" + httpsPort +
		", MAP cozy-*.local:443 127.0.0.1:" + httpsPort + ", MAP cozy-*.local 127.0.0.1"
	base := "http://cozy.local"

	rootFile := filepath.Join(t.TempDir(), "root.crt")
	var set boxSetupSeen
	boxBrowser(t, t.TempDir(), &set, "setup", base, rules, `{"mode":"lan"}`, rootFile)
	der, err := os.ReadFile(rootFile)
	if err != nil {
		t.Fatal(err)
	}
	root, err := x509.ParseCertificate(der) // DER, as devices import it
	if err != nil {
		t.Fatalf("the downloaded root: %v", err)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"the first visit went to the setup page", set.SetupURL == base+"/box/setup"},
		{"plain HTTP is not a secure context", !set.SetupSecure},
		{"progress shown until ready", set.State == "ready" && len(set.States) > 0 && set.States[len(set.States)-1] == "ready"},
		{"the root is offered", set.CAShown && strings.HasSuffix(set.RootName, ".crt") && set.Fingerprint != ""},
		{"onboarding over HTTPS, on 443", strings.HasPrefix(set.Registration, "https://cozy.local/?registerToken=")},
		{"the untrusting profile refuses the box's HTTPS", set.Untrusted == "net::ERR_CERT_AUTHORITY_INVALID"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, set)
		}
	}
	if t.Failed() {
		t.Fatalf("log:\n%s", s.log())
	}

	home := trustingHome(t, root.Subject.CommonName, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	other := "https://cozy-drive.local:" + httpsPort + "/"
	var got boxHTTPSSeen
	boxBrowser(t, home, &got, "https", set.Registration, rules, other)
	checks = []struct {
		name string
		ok   bool
	}{
		{"the onboarding page over HTTPS", got.OnboardingURL == "https://cozy.local/?registerToken=…" && got.Protocol == "https:"},
		{"issued by the box CA", got.TLS != nil && got.TLS.Subject == "cozy.local" && got.TLS.Issuer == root.Subject.CommonName},
		{"a secure context with WebCrypto", got.Secure && got.Subtle == "object"},
		{"onboarded with a Secure session cookie", got.Onboarded && got.SecureCookie},
		{"logout went to the login page", strings.HasPrefix(got.LoginURL, "https://cozy.local/auth/login")},
		{"logged in on the instance", got.LoggedIn && strings.HasPrefix(got.Landed, "https://cozy.local/")},
		{"an app's name has a valid certificate", got.Other != nil && got.Other.TLS != nil &&
			got.Other.TLS.Subject == "cozy-drive.local" && strings.HasPrefix(got.Other.URL, "https://cozy-drive.local:"+httpsPort+"/")},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, got)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", s.log())
	}
	t.Logf("setup submitted → HTTPS ready (LAN CA): %d ms; whole test %s", set.ReadyMs, time.Since(start).Round(100*time.Millisecond))
}

// The test zone of the domain way to HTTPS and its TSIG key.
const (
	boxZone       = "home.test"
	boxTSIGName   = "cozy-box."
	boxTSIGSecret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMyYg=="
)

// TestBoxDomainInBrowser is a household's first boot with a domain, in
// headless Chromium against the real `cozy serve --box`: the project's
// authoritative server (appliance/authdns) serves home.test and takes RFC
// 2136 updates signed with TSIG, pebble validates DNS-01 through it, and
// the server trusts pebble's HTTPS (box.acme.root_file) and checks the
// challenges there (box.acme.resolvers). The setup page gets the domain
// and the rfc2136 credentials, shows the progress until the certificate
// is there (the time it takes is the figure logged), then a profile
// trusting pebble's issuing root onboards alice at https://alice.home.test
// and logs in over HTTPS.
func TestBoxDomainInBrowser(t *testing.T) {
	webtest.SkipE2E(t)
	start := time.Now()
	zone, err := authdns.Start(context.Background(), authdns.Config{Zone: boxZone, Addr: "127.0.0.1:0",
		Keys: map[string]string{boxTSIGName: boxTSIGSecret}, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zone.Close() })
	pb := pebbletest.Start(t, zone.Addr(), nil)
	s := startServerWith(t, t.TempDir(), serveOptions{https: true, args: []string{"--box", "--box-interfaces", "cozy-test-none0",
		"--box-acme-ca", pb.Dir, "--box-acme-root-file", pb.HTTPSFile, "--box-acme-resolvers", zone.Addr()}})
	httpPort, httpsPort := port(t, s.public), port(t, s.https)
	rules := "MAP cozy.local:80 127.0.0.1:" + httpPort + ", MAP *." + boxZone + ":443 127.0.0.1:" + httpsPort
	base := "http://cozy.local"

	choice, _ := json.Marshal(map[string]any{"mode": "domain", "domain": boxZone, "provider": "rfc2136",
		"credentials": map[string]string{"server": zone.Addr(), "key_name": boxTSIGName, "key_alg": dns.HmacSHA256, "key": boxTSIGSecret}})
	var set boxSetupSeen
	boxBrowser(t, t.TempDir(), &set, "setup", base, rules, string(choice), "")
	checks := []struct {
		name string
		ok   bool
	}{
		{"the first visit went to the setup page", set.SetupURL == base+"/box/setup"},
		{"progress shown until ready", set.State == "ready" && len(set.States) > 0 && set.States[len(set.States)-1] == "ready"},
		{"no box CA with a domain", !set.CAShown},
		{"onboarding at the member's name under the domain", strings.HasPrefix(set.Registration, "https://alice."+boxZone+"/?registerToken=")},
		{"the untrusting profile refuses the HTTPS", set.Untrusted == "net::ERR_CERT_AUTHORITY_INVALID"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, set)
		}
	}
	if t.Failed() {
		t.Fatalf("log:\n%s", s.log())
	}

	home := trustingHome(t, "pebble root", pb.RootPEM)
	var got boxHTTPSSeen
	boxBrowser(t, home, &got, "https", set.Registration, rules, "")
	checks = []struct {
		name string
		ok   bool
	}{
		{"the onboarding page over HTTPS", got.OnboardingURL == "https://alice."+boxZone+"/?registerToken=…" && got.Protocol == "https:"},
		// pebble's leaves name the host in their SANs only: Chromium checked it.
		{"issued by pebble", got.TLS != nil && strings.HasPrefix(got.TLS.Issuer, "Pebble Intermediate CA")},
		{"a secure context with WebCrypto", got.Secure && got.Subtle == "object"},
		{"onboarded with a Secure session cookie", got.Onboarded && got.SecureCookie},
		{"logged in on the instance", got.LoggedIn && strings.HasPrefix(got.Landed, "https://alice."+boxZone+"/")},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, got)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", s.log())
	}
	// The page sees the state on its next poll (every 2 s); the server
	// logs when the manager had both certificates (apex and wildcard).
	server := "?"
	if m := regexp.MustCompile(`msg="certificates ready".* after=(\S+)`).FindStringSubmatch(s.log()); m != nil {
		server = m[1]
	}
	t.Logf("setup submitted → HTTPS ready (DNS-01 against pebble): %d ms in the page, certificates after %s in the server; whole test %s",
		set.ReadyMs, server, time.Since(start).Round(100*time.Millisecond))
}

// quietLog is the logger of the test's own servers (authdns).
func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
