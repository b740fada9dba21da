package lan

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestUnprivileged runs a Service as an unprivileged user without any
// capability, as cozy.service does (User=cozy, CapabilityBoundingSet=
// empty): it binds 5353, joins the mDNS groups, reads netlink and claims
// its names.
func TestUnprivileged(t *testing.T) {
	needLink(t)
	// A copy of this binary where the user can reach it.
	dir, err := os.MkdirTemp("", "lanunpriv")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "lan.test")
	data, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestUnprivilegedHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), envRole+"=unprivileged")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	for _, want := range []string{"capabilities 0000000000000000", "name unpriv.local", "claimed unpriv-drive"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}

// TestUnprivilegedHelper is TestUnprivileged's child, run as nobody.
func TestUnprivilegedHelper(t *testing.T) {
	if os.Getenv(envRole) != "unprivileged" {
		t.Skip("the child of TestUnprivileged")
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			fmt.Println("capabilities", strings.TrimSpace(v))
		}
	}
	names := make(chan string, 8)
	dir := DirectoryFunc(func(context.Context) ([]Instance, error) {
		return []Instance{{Domain: "unpriv.local", AppHosts: []string{"unpriv-drive.local"}}}, nil
	})
	s, err := Start(context.Background(), Config{Host: "unpriv", Directory: dir, OnName: func(n string) { names <- n },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fmt.Println("name", <-names)
	waitFor(t, "unpriv-drive claimed", func() bool { return s.Claimed()[boxIf]["unpriv-drive"] == "unpriv-drive" })
	fmt.Println("claimed unpriv-drive")
	if s.watch == nil {
		t.Fatal("no netlink watch as nobody")
	}
}
