package setup_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/box"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/cozypi/cozy/web/webtest"
)

// rootPEM makes a CA root as the box CA's: name-constrained to .local.
func rootPEM(t *testing.T) ([]byte, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cozy box CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, PermittedDNSDomainsCritical: true, PermittedDNSDomains: []string{".local"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// TestLANWay sets a box up with its own CA: the root is offered on plain
// HTTP for every platform; once the certificate is ready, plain HTTP is
// redirected to HTTPS except the probes and the box's pages.
func TestLANWay(t *testing.T) {
	e := newBoxEnv(t, true, "ask")
	e.Test(t, webtest.Scenario{Method: "POST", URL: e.url("/box/setup"), Client: e.Client, Body: body(e.Stack.Box.SetupCode(), "lan", ""),
		ExpectedStatus: http.StatusCreated, ExpectedContent: []string{`"state":"obtaining certificate"`}})
	if c := e.Certs.Choices(); len(c) != 1 || strings.Join(c[0].Names, ",") != "cozy.local" || strings.Join(c[0].OnDemand, ",") != "cozy-*.local" {
		t.Fatalf("LAN choice %+v", c)
	}
	e.Test(t, webtest.Scenario{Name: "no root yet", Method: "GET", URL: e.url("/box/ca.crt"), Client: e.Client, ExpectedStatus: http.StatusNotFound})
	der, pemRoot := rootPEM(t)
	e.Certs.Set(box.Status{State: box.StateReady, Names: []string{"cozy.local"}, RootCA: pemRoot})
	login := "http://cozy.local:" + e.Port + "/auth/login?redirect=x"
	e.Run(t, []webtest.Scenario{
		{Name: "plain HTTP goes to HTTPS", Method: "GET", URL: login, Client: e.Client, ExpectedStatus: http.StatusPermanentRedirect,
			ExpectedHeaders: map[string]string{"Location": "https://cozy.local:" + e.Port + "/auth/login?redirect=x"}},
		{Name: "the default port is dropped", Method: "POST", URL: e.url("/files/"), Client: e.Client, Headers: map[string]string{"Host": "cozy-drive.local:80"},
			ExpectedStatus: http.StatusPermanentRedirect, ExpectedHeaders: map[string]string{"Location": "https://cozy-drive.local/files/"}},
		{Name: "HSTS once ready", Method: "GET", URL: e.url("/auth/login"), Client: e.Client, Headers: map[string]string{"Host": "cozy.local", "X-Forwarded-Proto": "https"},
			ExpectedStatus: http.StatusOK, ExpectedHeaders: map[string]string{"Strict-Transport-Security": middleware.HSTSValue}},
		{Name: "status stays on HTTP", Method: "GET", URL: e.url("/status"), Client: e.Client, ExpectedStatus: http.StatusOK},
		{Name: "progress stays on HTTP", Method: "GET", URL: e.url("/box/https"), Client: e.Client, ExpectedStatus: http.StatusOK,
			ExpectedContent: []string{`"state":"ready"`, `"ca":true`, `"mode":"lan"`}},
		{Name: "the CA page", Method: "GET", URL: e.url("/box/ca"), Client: e.Client, ExpectedStatus: http.StatusOK,
			ExpectedContent: []string{"/box/ca.mobileconfig", "/box/ca.crt", "Android 7", "iPhone", "Windows", "macOS", "Linux"}},
		{Name: "the root", Method: "GET", URL: e.url("/box/ca.crt"), Client: e.Client, ExpectedStatus: http.StatusOK,
			ExpectedHeaders: map[string]string{"Content-Type": "application/x-x509-ca-cert"},
			After: func(t *testing.T, _ *http.Response, got string) {
				if got != string(der) {
					t.Fatal("the .crt is not the root's DER")
				}
			}},
		{Name: "the iOS profile", Method: "GET", URL: e.url("/box/ca.mobileconfig"), Client: e.Client, ExpectedStatus: http.StatusOK,
			ExpectedHeaders: map[string]string{"Content-Type": "application/x-apple-aspen-config"},
			ExpectedContent: []string{"<string>com.apple.security.root</string>", "<data>" + base64.StdEncoding.EncodeToString(der) + "</data>", "cozy.local"}},
	})
	if got := e.Instances.Public().Scheme(); got != "https" {
		t.Fatalf("scheme %s once ready", got)
	}
}
