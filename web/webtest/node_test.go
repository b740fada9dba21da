package webtest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

func TestScriptRun(t *testing.T) {
	dir := webtest.E2EDir()
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		t.Fatalf("E2EDir %s: %v", dir, err)
	}
	// A throwaway script in web/e2e, removed afterwards.
	name := "webtest-probe-" + strings.ReplaceAll(t.Name(), "/", "_") + ".mjs"
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(`console.log(process.argv[2] + " " + process.env.PROBE)`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
	out := webtest.Script{Path: name, Args: []string{"hello"}, Env: []string{"PROBE=world"}}.Run(t)
	if strings.TrimSpace(string(out)) != "hello world" {
		t.Fatalf("output %q", out)
	}
}

// TestSkipE2EUnderShort: under -short an end-to-end test skips (and says
// why) instead of failing for want of node or chromium; without -short it
// goes on.
func TestSkipE2EUnderShort(t *testing.T) {
	var skipped bool
	t.Run("e2e", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		webtest.SkipE2E(t)
	})
	if skipped != testing.Short() {
		t.Fatalf("skipped %v with -short %v", skipped, testing.Short())
	}
}
