package apps_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
)

// TestReadFileStaysInTheFolder checks that reads in an installed app's
// folder cannot leave it: not by "..", an absolute name, or a symbolic
// link pointing out.
func TestReadFileStaysInTheFolder(t *testing.T) {
	e := newEnv(t)
	a := e.install(t, "testapp", "file://"+writeDir(t, map[string]string{"manifest.webapp": manifestV("1.0.0", "{}"), "index.html": "v1"}))
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(e.mgr.Root(e.inst, a), "leak.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Dir(secret), filepath.Join(e.mgr.Root(e.inst, a), "dir")); err != nil {
		t.Fatal(err)
	}
	if b, err := e.mgr.ReadFile(e.inst, a, "/index.html", 1<<10); err != nil || string(b) != "v1" {
		t.Fatalf("index: %q %v", b, err)
	}
	for _, name := range []string{"leak.txt", "/dir/secret", "../../../../../../../../" + secret, secret, "/", "nope", "index.html\x00"} {
		if b, err := e.mgr.ReadFile(e.inst, a, name, 1<<10); !errors.Is(err, apps.ErrNoFile) {
			t.Errorf("%q: %q %v", name, b, err)
		}
	}
	if _, err := e.mgr.ReadFile(e.inst, a, "index.html", 1); !errors.Is(err, apps.ErrNoFile) {
		t.Errorf("over the limit: %v", err)
	}
}
