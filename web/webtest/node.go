package webtest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// E2EDir is web/e2e, where the npm packages of the tests and their node
// scripts live (found from this source file, whatever the test's package).
func E2EDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "e2e")
}

// Script is a run of one of web/e2e's node scripts against a server.
type Script struct {
	Path    string   // relative to web/e2e, e.g. "pouchdb/replicate.mjs"
	Args    []string // its command-line arguments
	Env     []string // added to the environment, as KEY=value
	Modules []string // npm packages it needs, checked first
	Browser bool     // it drives Debian's chromium, passed as CHROMIUM
	// Timeout bounds the run; 0 means two minutes.
	Timeout time.Duration
}

// SkipE2E skips the test under `go test -short`: end-to-end tests drive
// node and chromium, which take seconds each and need `make test-deps`.
// Call it first in such a test, before starting its server; Script.Run
// calls it too.
func SkipE2E(tb testing.TB) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("end-to-end test (node, chromium) skipped under -short; make test runs it")
	}
}

// Run runs the script and returns its standard output. Under -short it
// skips the test (SkipE2E). Otherwise a missing tool or package fails the
// test with how to get it (never a skip); a failing script fails it with
// both its outputs.
func (s Script) Run(tb testing.TB) []byte {
	tb.Helper()
	SkipE2E(tb)
	dir := E2EDir()
	for _, m := range s.Modules {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", m)); err != nil {
			tb.Fatalf("the npm package %s is missing in web/e2e: run make test-deps (%v)", m, err)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		tb.Fatalf("node is not installed: run make test-deps (%v)", err)
	}
	env := append(os.Environ(), s.Env...)
	if s.Browser {
		chromium, err := exec.LookPath("chromium")
		if err != nil {
			tb.Fatalf("chromium is not installed: run make test-deps (%v)", err)
		}
		env = append(env, "CHROMIUM="+chromium)
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{filepath.Join(dir, s.Path)}, s.Args...)...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			stderr = ee.Stderr
		}
		tb.Fatalf("node %s: %v\nstdout:\n%s\nstderr:\n%s", s.Path, err, out, stderr)
	}
	return out
}
