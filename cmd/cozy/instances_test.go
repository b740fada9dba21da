package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
)

// TestRegistrationLinkScheme: the printed link follows the configuration
// (scheme setting, else https unless --dev), never the look of the domain.
func TestRegistrationLinkScheme(t *testing.T) {
	for _, c := range []struct {
		cfg    config.Config
		domain string
		want   string
	}{
		{config.Config{}, "alice.example.org", "https://alice.example.org/?registerToken=ab12"},
		{config.Config{}, "cozy.localhost:8080", "https://cozy.localhost:8080/?registerToken=ab12"},
		{config.Config{Dev: true}, "cozy.localhost:8080", "http://cozy.localhost:8080/?registerToken=ab12"},
		{config.Config{Scheme: "http"}, "box.lan", "http://box.lan/?registerToken=ab12"},
		{config.Config{Dev: true, Scheme: "https"}, "127.0.0.1:8080", "https://127.0.0.1:8080/?registerToken=ab12"},
	} {
		if got := registrationLink(publicInstance(&c.cfg, c.domain), "ab12"); got != c.want {
			t.Errorf("scheme %q dev %v %s: %s, want %s", c.cfg.Scheme, c.cfg.Dev, c.domain, got, c.want)
		}
	}
}

// TestPrintWelcomeUsesPublicURL: `cozy serve` prints each instance's URL
// and registration link with the manager's public scheme.
func TestPrintWelcomeUsesPublicURL(t *testing.T) {
	m, err := instance.Open(t.TempDir(), passhash.New(passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Create(context.Background(), instance.Options{Domain: "cozy.localhost:8080"}); err != nil {
		t.Fatal(err)
	}
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	for scheme, want := range map[string][]string{
		"https": {"URL: https://cozy.localhost:8080/", "https://cozy.localhost:8080/?registerToken="},
		"http":  {"URL: http://cozy.localhost:8080/", "http://cozy.localhost:8080/?registerToken="},
	} {
		m.Public().SetScheme(scheme)
		var out strings.Builder
		printWelcome(&out, addr, m)
		for _, w := range want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("scheme %s: %q missing in\n%s", scheme, w, out.String())
			}
		}
	}
}
