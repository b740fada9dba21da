package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckFS leaves a temporary file behind, as a crash during an upload
// would, and checks that `cozy check fs` reports it, repairs it, then finds
// nothing.
func TestCheckFS(t *testing.T) {
	s := startServer(t, t.TempDir())
	host, port, _ := net.SplitHostPort(s.public)
	check := func(args ...string) (string, error) {
		return s.cli(t, append([]string{"--host", host, "--port", port, "check", "fs", "alice.localhost"}, args...)...)
	}
	if _, err := s.cli(t, "instances", "add", "alice.localhost"); err != nil {
		t.Fatal(err)
	}
	out, err := check()
	if err != nil || !strings.Contains(out, "No problem found.") {
		t.Fatalf("fresh instance: %q %v", out, err)
	}
	show, err := s.cli(t, "instances", "show", "alice.localhost")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ ID string }
	if err := json.Unmarshal([]byte(show), &doc); err != nil || doc.ID == "" {
		t.Fatalf("show: %q %v", show, err)
	}
	leftover := filepath.Join(s.dir, "data", "instances", doc.ID, "files", "tmp", "upload-123")
	if err := os.WriteFile(leftover, []byte("half an upload"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = check()
	if err == nil || !strings.Contains(out, "temporary_file") || !strings.Contains(err.Error(), "1 problem(s) found, 1 not repaired") {
		t.Fatalf("with a leftover: %q %v", out, err)
	}
	out, err = check("--repair")
	if err != nil || !strings.Contains(out, "repaired") {
		t.Fatalf("repair: %q %v", out, err)
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Fatalf("leftover still there: %v", err)
	}
	if out, err = check(); err != nil || !strings.Contains(out, "No problem found.") {
		t.Fatalf("after repair: %q %v", out, err)
	}
}
