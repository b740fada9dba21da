package wifi

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testPaths(t *testing.T) Paths {
	dir := t.TempDir()
	return Paths{
		Source:    filepath.Join(dir, "boot", "network-config"),
		WPAConfig: filepath.Join(dir, "run", "cozy", "wifi", "wpa_supplicant-wlan0.conf"),
		Networkd:  filepath.Join(dir, "run", "systemd", "network", "25-cozy-wifi.network"),
	}
}

func writeSource(t *testing.T, p Paths, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p.Source), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.Source, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestApply(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	p := testPaths(t)

	// No network-config: nothing written, no error.
	cfg, err := Apply(ctx, p, log)
	if err != nil || cfg != nil {
		t.Fatalf("Apply without a file: %v, %v", cfg, err)
	}
	for _, f := range []string{p.WPAConfig, p.Networkd} {
		if _, err := os.Stat(f); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s written without a network-config: %v", f, err)
		}
	}

	// Imager's file: both files, the supplicant's readable by root only.
	imager, err := os.ReadFile("testdata/imager2.yaml")
	if err != nil {
		t.Fatal(err)
	}
	writeSource(t, p, imager)
	cfg, err = Apply(ctx, p, log)
	if err != nil || cfg == nil || cfg.Country != "FR" {
		t.Fatalf("Apply: %+v, %v", cfg, err)
	}
	want, _ := os.ReadFile("testdata/imager2.wpa")
	assertFile(t, p.WPAConfig, string(want), 0o600)
	assertFile(t, p.Networkd, string(cfg.Networkd()), 0o644)
	if st, err := os.Stat(filepath.Dir(p.WPAConfig)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("supplicant directory: %v, %v", st.Mode(), err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(p.WPAConfig)); len(entries) != 1 {
		t.Errorf("left-overs beside the configuration: %v", entries)
	}
	if !strings.Contains(logs.String(), "Maison Dupont") || strings.Contains(logs.String(), "efb0685") {
		t.Errorf("the log must name the network and never the key:\n%s", logs.String())
	}

	// A bad file afterwards: refused, and the earlier network is gone.
	writeSource(t, p, []byte("network:\n  version: 2\n  wifis:\n    wlan0:\n      access-points:\n        home:\n          password: short\n"))
	cfg, err = Apply(ctx, p, log)
	if !errors.Is(err, ErrInvalid) || cfg != nil || !strings.Contains(err.Error(), p.Source) {
		t.Fatalf("Apply of a bad file: %+v, %v", cfg, err)
	}
	for _, f := range []string{p.WPAConfig, p.Networkd} {
		if _, err := os.Stat(f); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s kept after a refused file: %v", f, err)
		}
	}

	// A huge file is refused without being read whole.
	writeSource(t, p, bytes.Repeat([]byte("#"), 10*MaxSize))
	if _, err := Apply(ctx, p, log); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("Apply of a huge file: %v", err)
	}

	// A cancelled context stops before reading.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Apply(cctx, p, log); !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply with a cancelled context: %v", err)
	}
}

func assertFile(t *testing.T, path, want string, mode os.FileMode) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s:\n%s\nwant:\n%s", path, got, want)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != mode {
		t.Errorf("%s mode %v, want %v (%v)", path, st.Mode().Perm(), mode, err)
	}
}
