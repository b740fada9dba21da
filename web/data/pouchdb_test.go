package data_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// e2eDir returns web/e2e, failing when its npm packages are not installed.
func e2eDir(t *testing.T) (node, dir string) {
	t.Helper()
	dir, err := filepath.Abs("../e2e")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "pouchdb-core")); err != nil {
		t.Fatalf("web/e2e/node_modules is missing: run make test-deps (%v)", err)
	}
	node, err = exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed: run make test-deps (%v)", err)
	}
	return node, dir
}

// TestPouchDBInterop replicates with real PouchDB 9 (see
// web/e2e/pouchdb/replicate.mjs for the steps and assertions).
func TestPouchDBInterop(t *testing.T) {
	node, dir := e2eDir(t)
	e := newEnv(t, 0)
	cmd := exec.Command(node, filepath.Join(dir, "pouchdb", "replicate.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "COZY_URL="+e.url(), "COZY_TOKEN="+e.token(t, "io.cozy.test"), "COZY_DOCTYPE=io.cozy.test")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pouchdb interop: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `"ok":true`) {
		t.Fatalf("pouchdb interop printed no result:\n%s", out)
	}
	t.Logf("pouchdb interop: %s", strings.TrimSpace(string(out)))
}
