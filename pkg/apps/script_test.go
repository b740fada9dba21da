package apps_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
)

// TestReadInStaysInside: files of the folder are read; "..", absolute
// paths and symbolic links cannot reach a file outside it, and only
// regular files within the limit are read.
func TestReadInStaysInside(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "app")
	for name, body := range map[string]string{
		"app/services/ok.js":  "ok",
		"app/big.js":          strings.Repeat("x", 11),
		"secret.txt":          "secret",
		"app/services/in.txt": "inside",
	} {
		p := filepath.Join(base, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"app/out.js":          filepath.Join(base, "secret.txt"), // absolute, outside
		"app/rel.js":          "../secret.txt",                   // relative, outside
		"app/services/dir":    base,                              // a folder outside
		"app/services/in.js":  "in.txt",                          // inside: allowed
		"app/services/up.js":  "../../secret.txt",                // outside
		"app/services/self":   ".",                               // a folder
		"app/services/loop.a": "loop.b",
		"app/services/loop.b": "loop.a",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(base, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		file string
		want string // "" means refused
	}{
		{"services/ok.js", "ok"},
		{"/services/ok.js", "ok"},
		{"services/../services/ok.js", "ok"},
		{"services/in.js", "inside"},
		{"../secret.txt", ""},
		{"services/../../secret.txt", ""},
		{"out.js", ""},
		{"rel.js", ""},
		{"services/up.js", ""},
		{"services/dir/secret.txt", ""},
		{"services/self", ""},
		{"services", ""},
		{"services/loop.a", ""},
		{"missing.js", ""},
		{"big.js", ""},
		{"", ""},
		{"/", ""},
	}
	for _, tt := range tests {
		got, err := apps.ReadIn(dir, tt.file, 10)
		if tt.want == "" {
			if err == nil || !errors.Is(err, apps.ErrNoFile) {
				t.Errorf("%q: read %q, err %v; want an ErrNoFile refusal", tt.file, got, err)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("%q: %q, %v; want %q", tt.file, got, err, tt.want)
		}
	}
}

// TestScript: an installed app's service file is read from its installed
// version; an app the instance lacks falls back to <instance dir>/apps;
// an invalid slug reaches no folder.
func TestScript(t *testing.T) {
	e := newEnv(t)
	src := writeDir(t, map[string]string{"manifest.webapp": manifestV("1.0.0", filesPerm), "services/a.js": "installed()"})
	e.install(t, "testapp", "file://"+src)
	dev := filepath.Join(e.insts.Dir(e.inst), "apps", "devapp", "services")
	if err := os.MkdirAll(dev, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dev, "b.js"), []byte("dev()"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ slug, file, want string }{
		{"testapp", "services/a.js", "installed()"},
		{"testapp", "manifest.webapp", `{"name"`},
		{"devapp", "services/b.js", "dev()"},
		{"devapp", "../testapp/services/a.js", ""},
		{"..", "apps/devapp/services/b.js", ""},
		{"missing", "a.js", ""},
	}
	for _, tt := range tests {
		got, err := e.mgr.Script(e.ctx, e.inst, tt.slug, tt.file)
		if tt.want == "" {
			if err == nil {
				t.Errorf("%s/%s: read %q", tt.slug, tt.file, got)
			}
			continue
		}
		if err != nil || !strings.HasPrefix(string(got), tt.want) {
			t.Errorf("%s/%s: %q %v, want %q", tt.slug, tt.file, got, err, tt.want)
		}
	}
}
