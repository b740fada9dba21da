package stack_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/box"
	"github.com/cozypi/cozy/pkg/box/boxtest"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/stack"
	"github.com/cozypi/cozy/pkg/store"
)

var fast = passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}

// open opens an instance manager over dir, closed when the test ends.
func open(t *testing.T, dir string) *instance.Manager {
	t.Helper()
	m, err := instance.Open(dir, passhash.New(fast, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestNewRefusesBadConfiguration(t *testing.T) {
	if _, err := stack.New(&config.Config{FsURL: t.TempDir()}, nil, nil); !errors.Is(err, stack.ErrNoInstances) {
		t.Errorf("no instances: %v", err)
	}
	m := open(t, t.TempDir())
	if _, err := stack.New(&config.Config{FsURL: "s3://bucket/cozy"}, m, nil); err == nil || !strings.Contains(err.Error(), "fs.url") {
		t.Errorf("s3 data directory: %v, want a configuration error", err)
	}
}

// TestNewSetsPublicURL: the instances' one public URL comes from the
// configuration the stack is built with.
func TestNewSetsPublicURL(t *testing.T) {
	tests := []struct {
		name    string
		cfg     config.Config
		url     string
		appHost string
	}{
		{"default is https", config.Config{}, "https://alice.example/", "alice-drive.example"},
		{"dev is http", config.Config{Dev: true}, "http://alice.example/", "alice-drive.example"},
		{"explicit http", config.Config{Scheme: "http"}, "http://alice.example/", "alice-drive.example"},
		{"nested sub-domains", config.Config{Subdomains: config.SubdomainsNested}, "https://alice.example/", "drive.alice.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			m := open(t, dir)
			cfg := tt.cfg
			cfg.FsURL = dir
			if cfg.Subdomains == "" {
				cfg.Subdomains = config.SubdomainsFlat
			}
			st, err := stack.New(&cfg, m, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			inst, err := m.Create(context.Background(), instance.Options{Domain: "alice.example"})
			if err != nil {
				t.Fatal(err)
			}
			if inst.URL() != tt.url || inst.AppHost("drive") != tt.appHost {
				t.Errorf("URL %q, app host %q; want %q, %q", inst.URL(), inst.AppHost("drive"), tt.url, tt.appHost)
			}
		})
	}
}

// TestResumeOpensEveryStore: after a restart, Resume opens the store of
// every instance, so that their brokers (triggers, queued jobs) and
// realtime feeds run before any request comes.
func TestResumeOpensEveryStore(t *testing.T) {
	dir := t.TempDir()
	m := open(t, dir)
	for _, d := range []string{"a.example", "b.example", "c.example"} {
		if _, err := m.Create(context.Background(), instance.Options{Domain: d}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m = open(t, dir)
	st, err := stack.New(&config.Config{FsURL: dir}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var opened atomic.Int32
	m.OnStoreOpen(func(*instance.Instance, store.Store) { opened.Add(1) })
	st.Resume(context.Background())
	if opened.Load() != 3 {
		t.Fatalf("%d stores opened, want 3", opened.Load())
	}
	for _, inst := range m.List() {
		if _, err := st.Jobs.For(inst); err != nil {
			t.Errorf("%s: no broker after Resume: %v", inst.Domain, err)
		}
	}
}

// TestCloseStopsServices: after Close, the apps manager refuses new
// installs instead of starting work no one waits for.
func TestCloseStopsServices(t *testing.T) {
	dir := t.TempDir()
	m := open(t, dir)
	st, err := stack.New(&config.Config{FsURL: filepath.Join(dir)}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := m.Create(context.Background(), instance.Options{Domain: "alice.example"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = st.Apps.Install(context.Background(), inst, apps.Request{Kind: apps.Webapp, Slug: "drive"})
	if !errors.Is(err, apps.ErrClosed) {
		t.Errorf("install after Close: %v, want ErrClosed", err)
	}
}

// TestBox: with the box enabled the stack opens box.db in the data
// directory, serves the first boot over http whatever the scheme setting,
// and hands the box its certificates manager; disabled, there is no box.
func TestBox(t *testing.T) {
	dir := t.TempDir()
	m := open(t, dir)
	off, err := stack.New(&config.Config{FsURL: dir}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	off.Close()
	if off.Box != nil {
		t.Fatal("a box without box.enabled")
	}
	certs := &boxtest.Certificates{}
	st, err := stack.New(&config.Config{FsURL: dir, Scheme: "https", Box: config.Box{Enabled: true, SetupCode: true, Name: "cozy", HTTPS: config.BoxHTTPSAsk}}, m, nil, stack.WithCertificates(certs))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.Box == nil || !st.Box.SetupOpen() || m.Public().Scheme() != "http" {
		t.Fatalf("box %v, scheme %s", st.Box, m.Public().Scheme())
	}
	if got := strings.Join(st.Box.Modes(), ","); got != "domain,lan,later" {
		t.Fatalf("modes %s: the certificates manager was not handed over", got)
	}
	if _, err := os.Stat(filepath.Join(dir, box.FileName)); err != nil {
		t.Fatal(err)
	}
}
