package instance

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/cozypi/cozy/pkg/passhash"
)

func TestPublicURLs(t *testing.T) {
	tests := []struct {
		scheme, mode, domain       string
		url, appURL, appHost, orig string
	}{
		{"", "", "alice.example.net", "https://alice.example.net/", "https://alice-drive.example.net/", "alice-drive.example.net", "https://alice.example.net"},
		{"http", "flat", "cozy.localhost:8080", "http://cozy.localhost:8080/", "http://cozy-drive.localhost:8080/", "cozy-drive.localhost:8080", "http://cozy.localhost:8080"},
		{"https", "nested", "alice.example.net", "https://alice.example.net/", "https://drive.alice.example.net/", "drive.alice.example.net", "https://alice.example.net"},
		{"http", "flat", "box:8080", "http://box:8080/", "http://box-drive:8080/", "box-drive:8080", "http://box:8080"},
	}
	for _, tt := range tests {
		p := &Public{}
		p.SetScheme(tt.scheme)
		p.SetSubdomains(tt.mode)
		i := (&Instance{Domain: tt.domain}).WithPublic(p)
		if i.URL() != tt.url || i.AppURL("drive") != tt.appURL || i.AppHost("drive") != tt.appHost || i.Origin() != tt.orig {
			t.Errorf("%+v: %s %s %s %s", tt, i.URL(), i.AppURL("drive"), i.AppHost("drive"), i.Origin())
		}
		if i.Secure() != (i.Scheme() == "https") {
			t.Errorf("Secure disagrees with Scheme")
		}
	}
	// An instance outside a manager is https, flat: upstream's default.
	if got := (&Instance{Domain: "a.b"}).URL(); got != "https://a.b/" {
		t.Fatal(got)
	}
}

// TestPublicSwitchesEveryInstance: the manager's instances share one
// Public, so setting the scheme once changes every instance's URL, those
// loaded from disk included.
func TestPublicSwitchesEveryInstance(t *testing.T) {
	dir := t.TempDir()
	hasher := passhash.New(passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 2)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := Open(dir, hasher, log)
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Create(context.Background(), Options{Domain: "a.example"})
	if err != nil {
		t.Fatal(err)
	}
	m.Public().SetScheme("http")
	b, _ := m.Update(context.Background(), "a.example", func(*Instance) error { return nil })
	if a.URL() != "http://a.example/" || b.URL() != "http://a.example/" {
		t.Fatalf("%s %s", a.URL(), b.URL())
	}
	m.Public().SetScheme("https")
	if a.URL() != "https://a.example/" {
		t.Fatal(a.URL())
	}
	m.Close()
	m, err = Open(dir, hasher, log)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.Public().SetScheme("http")
	got, _ := m.Get("a.example")
	if got.URL() != "http://a.example/" {
		t.Fatal(got.URL())
	}
}
