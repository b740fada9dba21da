package systemd

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-systemd/v22/unit"
)

// unitDir holds the units the image installs (rootfs/ is copied over the
// root file system).
const unitDir = "../../rootfs/usr/lib/systemd/system"

var unitNames = []string{"cozy.service", "cozy-http.socket", "cozy-https.socket", "cozy-admin.socket", "cozy-dns.socket"}

// options reads a unit as section → key → values (a key may repeat).
func options(t *testing.T, name string) map[string]map[string][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(unitDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	opts, err := unit.DeserializeOptions(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	m := map[string]map[string][]string{}
	for _, o := range opts {
		if m[o.Section] == nil {
			m[o.Section] = map[string][]string{}
		}
		m[o.Section][o.Name] = append(m[o.Section][o.Name], o.Value)
	}
	return m
}

// TestUnitsVerify runs systemd-analyze verify on the units in a root that
// holds them, the host's own units (the targets they name) and an
// executable /usr/bin/cozy: an unknown key, a bad value, a missing unit or
// executable fails it.
func TestUnitsVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (Debian package systemd)")
	}
	root := t.TempDir()
	sys := filepath.Join(root, "usr/lib/systemd/system")
	if err := os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(root, "usr/lib/systemd"), os.DirFS("/usr/lib/systemd")); err != nil && !os.IsNotExist(err) {
		// Only the unit files matter; a dangling link elsewhere does not.
		t.Logf("copying the host's units: %v", err)
	}
	if err := os.MkdirAll(sys, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range unitNames {
		b, err := os.ReadFile(filepath.Join(unitDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sys, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "usr/bin/cozy"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"verify", "--root=" + root, "--man=no"}, unitNames...)
	out, err := exec.Command(analyze, args...).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestServiceHardening checks the sandbox of cozy.service option by option,
// so that a later edit cannot drop one silently.
func TestServiceHardening(t *testing.T) {
	svc := options(t, "cozy.service")["Service"]
	want := map[string]string{
		"Type":                    "notify",
		"NotifyAccess":            "main",
		"Restart":                 "on-failure",
		"User":                    "cozy",
		"StateDirectory":          "cozy",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"PrivateDevices":          "yes",
		"NoNewPrivileges":         "yes",
		"CapabilityBoundingSet":   "",
		"AmbientCapabilities":     "",
		"RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6 AF_NETLINK",
		"RestrictNamespaces":      "yes",
		"RestrictSUIDSGID":        "yes",
		"MemoryDenyWriteExecute":  "yes",
		"LockPersonality":         "yes",
		"ProtectKernelTunables":   "yes",
		"ProtectKernelModules":    "yes",
		"ProtectControlGroups":    "yes",
		"SystemCallArchitectures": "native",
		"UMask":                   "0077",
		"ExecStart":               "/usr/bin/cozy serve --config /etc/cozy/cozy.yaml",
	}
	for k, v := range want {
		got, ok := svc[k]
		if !ok {
			t.Errorf("cozy.service: %s= is missing", k)
			continue
		}
		if got[len(got)-1] != v {
			t.Errorf("cozy.service: %s=%q, want %q", k, got[len(got)-1], v)
		}
	}
	if w := svc["WatchdogSec"]; len(w) == 0 || w[0] == "0" {
		t.Errorf("cozy.service: no watchdog (WatchdogSec=%v)", w)
	}
	if !slices.Contains(svc["SystemCallFilter"], "@system-service") {
		t.Errorf("cozy.service: SystemCallFilter=%v lacks @system-service", svc["SystemCallFilter"])
	}
	// The sockets it inherits are the three default ones; the DNS one
	// stays optional (Sockets= would pull it in).
	if got := strings.Fields(strings.Join(svc["Sockets"], " ")); !slices.Equal(got, []string{"cozy-http.socket", "cozy-https.socket", "cozy-admin.socket"}) {
		t.Errorf("cozy.service: Sockets=%v", got)
	}
	if got := options(t, "cozy.service")["Install"]["WantedBy"]; !slices.Equal(got, []string{"multi-user.target"}) {
		t.Errorf("cozy.service: WantedBy=%v", got)
	}
}

// TestSocketNames checks each socket's FileDescriptorName, the name the
// server asks Listen for, and what it listens on.
func TestSocketNames(t *testing.T) {
	cases := []struct {
		unit, name string
		stream     string
		datagram   string
	}{
		{"cozy-http.socket", "http", "80", ""},
		{"cozy-https.socket", "https", "443", ""},
		{"cozy-admin.socket", "admin", "127.0.0.1:6060", ""},
		{"cozy-dns.socket", "dns", "53", "53"},
	}
	for _, c := range cases {
		s := options(t, c.unit)["Socket"]
		if got := s["FileDescriptorName"]; !slices.Equal(got, []string{c.name}) {
			t.Errorf("%s: FileDescriptorName=%v, want %s", c.unit, got, c.name)
		}
		if got := s["Service"]; !slices.Equal(got, []string{"cozy.service"}) {
			t.Errorf("%s: Service=%v", c.unit, got)
		}
		if got := strings.Join(s["ListenStream"], " "); got != c.stream {
			t.Errorf("%s: ListenStream=%q, want %q", c.unit, got, c.stream)
		}
		if got := strings.Join(s["ListenDatagram"], " "); got != c.datagram {
			t.Errorf("%s: ListenDatagram=%q, want %q", c.unit, got, c.datagram)
		}
	}
}
