package apps_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
)

var testLimits = apps.Limits{MaxFiles: 10, MaxBytes: 64 << 10}

// hostile archives: every one is refused, and nothing lands outside dir.
func hostileArchives(t *testing.T) map[string][]byte {
	m := `{"name":"x","version":"1"}`
	many := []entry{{name: "manifest.webapp", body: m}}
	for i := range 20 {
		many = append(many, entry{name: "f" + string(rune('a'+i)), body: "x"})
	}
	return map[string][]byte{
		"tar zip-slip":        tarball(t, false, entry{name: "manifest.webapp", body: m}, entry{name: "../evil", body: "x"}),
		"tgz zip-slip nested": tarball(t, true, entry{name: "manifest.webapp", body: m}, entry{name: "a/../../evil", body: "x"}),
		"tar absolute":        tarball(t, false, entry{name: "/tmp/evil", body: "x"}),
		"tar symlink out":     tarball(t, false, entry{name: "manifest.webapp", body: m}, entry{name: "link", typ: tar.TypeSymlink, link: "/etc/passwd"}),
		"tar hardlink":        tarball(t, false, entry{name: "manifest.webapp", body: m}, entry{name: "hl", typ: tar.TypeLink, link: "../../etc/passwd"}),
		"tar fifo":            tarball(t, false, entry{name: "fifo", typ: tar.TypeFifo}),
		"tgz bomb":            tarball(t, true, entry{name: "manifest.webapp", body: m}, entry{name: "big", size: 10 << 20}),
		"tar too many files":  tarball(t, false, many...),
		"zip slip":            zipball(t, entry{name: "manifest.webapp", body: m}, entry{name: "../evil", body: "x"}),
		"zip symlink":         zipball(t, entry{name: "manifest.webapp", body: m}, entry{name: "l", typ: tar.TypeSymlink, link: "../../etc"}),
		"zip bomb":            zipball(t, entry{name: "manifest.webapp", body: m}, entry{name: "big", size: 10 << 20}),
		"garbage":             []byte("this is not an archive at all, not even close............................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................"),
		"empty":               {},
	}
}

func TestExtractRefusesHostileArchives(t *testing.T) {
	for name, data := range hostileArchives(t) {
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "pkg")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			err := apps.Extract(bytes.NewReader(data), dir, "", testLimits)
			if !errors.Is(err, apps.ErrUnsafeArchive) {
				t.Fatalf("got %v, want ErrUnsafeArchive", err)
			}
			if _, err := os.Stat(filepath.Join(parent, "evil")); err == nil {
				t.Fatal("a file was written outside the target")
			}
		})
	}
}

func TestExtractGood(t *testing.T) {
	files := []entry{{name: "app/", typ: tar.TypeDir}, {name: "app/manifest.webapp", body: "{}"}, {name: "app/js/a.js", body: "a"}, {name: "other", body: "skipped"}}
	for name, data := range map[string][]byte{
		"tar": tarball(t, false, files...), "tgz": tarball(t, true, files...), "zip": zipball(t, files[1:]...),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := apps.Extract(bytes.NewReader(data), dir, "app", testLimits); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(dir, "js", "a.js"))
			if err != nil || string(b) != "a" {
				t.Fatalf("js/a.js: %q %v", b, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "other")); err == nil {
				t.Fatal("an entry outside the prefix was unpacked")
			}
		})
	}
}
