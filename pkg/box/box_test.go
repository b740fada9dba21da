package box_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/box"
	"github.com/cozypi/cozy/pkg/box/boxtest"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
)

// env is a box over a temporary data directory.
type env struct {
	dir   string
	insts *instance.Manager
	certs *boxtest.Certificates
	box   *box.Box
	log   *bytes.Buffer
}

func newEnv(t *testing.T, cfg config.Box, withCerts bool) *env {
	t.Helper()
	e := &env{dir: t.TempDir(), log: new(bytes.Buffer)}
	var err error
	e.insts, err = instance.Open(e.dir, passhash.New(passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.insts.Close() })
	if withCerts {
		e.certs = &boxtest.Certificates{}
	}
	e.open(t, cfg)
	return e
}

func (e *env) open(t *testing.T, cfg config.Box) {
	t.Helper()
	var certs box.Certificates
	if e.certs != nil {
		certs = e.certs
	}
	b, err := box.Open(context.Background(), e.dir, cfg, e.insts, certs, slog.New(slog.NewTextHandler(e.log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	e.box = b
}

func TestOpenLogsAndKeepsTheCode(t *testing.T) {
	e := newEnv(t, config.Box{SetupCode: true, Name: "maison"}, false)
	code := e.box.SetupCode()
	if len(code) != 10 || !e.box.SetupOpen() {
		t.Fatalf("code %q, open %v", code, e.box.SetupOpen())
	}
	if !strings.Contains(e.log.String(), code) || !strings.Contains(e.log.String(), "http://maison.local") {
		t.Fatalf("the code is not on the console: %s", e.log)
	}
	if got := e.insts.Public().Scheme(); got != "http" {
		t.Fatalf("a fresh box is served over %s", got)
	}
	e.box.Close()
	e.open(t, config.Box{SetupCode: true, Name: "maison"})
	if e.box.SetupCode() != code {
		t.Fatalf("the code changed across a restart: %q then %q", code, e.box.SetupCode())
	}
}

func TestHostsAndModes(t *testing.T) {
	e := newEnv(t, config.Box{SetupCode: true, Name: "cozy"}, false)
	for host, want := range map[string]bool{
		"cozy.local": true, "COZY.local.": true, "cozy.local:8080": true, "192.168.1.20": true, "[fe80::1]:80": true,
		"alice.cozy.local": false, "cozy.localhost": false, "localhost:8080": false, "example.org": false,
	} {
		if got := e.box.IsBoxHost(host); got != want {
			t.Errorf("IsBoxHost(%q) = %v", host, got)
		}
	}
	if got := e.box.Modes(); len(got) != 1 || got[0] != box.ModeLater {
		t.Errorf("without certificates, modes %v", got)
	}
	withCerts := newEnv(t, config.Box{SetupCode: true, Name: "cozy", HTTPS: config.BoxHTTPSAsk}, true)
	if got := strings.Join(withCerts.box.Modes(), ","); got != "domain,lan,later" {
		t.Errorf("modes %v", got)
	}
	lanOnly := newEnv(t, config.Box{SetupCode: true, Name: "cozy", HTTPS: config.BoxHTTPSLAN}, true)
	if got := strings.Join(lanOnly.box.Modes(), ","); got != "lan" {
		t.Errorf("lan only: modes %v", got)
	}
}

// TestHTTPSBecomesReady follows a LAN setup: http until the certificates
// are ready, then https for every instance, kept across a restart where
// the stored choice is given to the certificates manager again.
func TestHTTPSBecomesReady(t *testing.T) {
	e := newEnv(t, config.Box{SetupCode: true, Name: "cozy"}, true)
	res, err := e.box.Setup(context.Background(), box.Request{Code: e.box.SetupCode(), Household: "The Smiths", Member: "alice",
		HTTPS: box.Choice{Mode: box.ModeLAN}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Instance.Domain != "cozy.local" || res.Instance.Scheme() != "http" || e.box.Secure() {
		t.Fatalf("before the certificate: %s %s", res.Instance.Domain, res.Instance.Scheme())
	}
	if st := e.box.HTTPS(); st.State != box.StateObtaining {
		t.Fatalf("state %+v", st)
	}
	e.certs.Set(box.Status{State: box.StateReady, Names: []string{"cozy.local"}})
	if !e.box.Secure() || res.Instance.URL() != "https://cozy.local/" {
		t.Fatalf("ready but %s", res.Instance.URL())
	}
	// A failed renewal keeps serving the certificate it has.
	e.certs.Set(box.Status{State: box.StateFailed, LastError: "renewal: timeout"})
	if !e.box.Secure() || res.Instance.Scheme() != "https" {
		t.Fatal("a failed renewal went back to http")
	}
	e.box.Close()
	e.certs.Set(box.Status{State: box.StateReady})
	e.insts.Public().SetScheme("http")
	e.open(t, config.Box{SetupCode: true, Name: "cozy"})
	if got := e.certs.Choices(); len(got) != 2 || got[1].Mode != box.ModeLAN || got[1].Names[0] != "cozy.local" {
		t.Fatalf("choices after restart %+v", got)
	}
	if e.insts.Public().Scheme() != "https" || e.box.SetupOpen() || e.box.SetupCode() != "" {
		t.Fatal("the restart lost the state")
	}
	if h, ok := e.box.Household(); !ok || h.Name != "The Smiths" || h.Instance != "cozy.local" {
		t.Fatalf("household %+v", h)
	}
}
