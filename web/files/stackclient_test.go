package files_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/token"
)

// TestCozyStackClient drives /files with cozy-stack-client's file
// collection (web/e2e/files/stack-client.mjs holds the steps).
func TestCozyStackClient(t *testing.T) {
	dir, err := filepath.Abs("../e2e")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "cozy-stack-client")); err != nil {
		t.Fatalf("web/e2e/node_modules is missing cozy-stack-client: run make test-deps (%v)", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed: run make test-deps (%v)", err)
	}
	e := newEnv(t, 0)
	tok, err := e.inst.Issue(token.CLI, "", "io.cozy.files")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join(dir, "files", "stack-client.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "COZY_URL="+e.url, "COZY_TOKEN="+tok)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cozy-stack-client: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `"ok":true`) {
		t.Fatalf("cozy-stack-client printed no result:\n%s", out)
	}
	t.Logf("cozy-stack-client: %s", strings.TrimSpace(string(out)))
}
