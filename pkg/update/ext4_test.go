package update

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// mkext4 makes a small real ext4 image with mke2fs (as assemble.sh does)
// holding a file; the test is skipped where e2fsprogs is missing.
func mkext4(t testing.TB, label string, mib int) string {
	t.Helper()
	mke2fs, err := exec.LookPath("mke2fs")
	if err != nil {
		t.Skip("mke2fs not installed")
	}
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	if err := os.MkdirAll(filepath.Join(tree, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tree, "etc", "os-release"), []byte("ID=cozy\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(dir, "root.ext4")
	out, err := exec.Command(mke2fs, "-q", "-F", "-t", "ext4", "-L", label, "-O", "^has_journal", "-d", tree, img, strconv.Itoa(mib)+"M").CombinedOutput()
	if err != nil {
		t.Fatalf("mke2fs: %v\n%s", err, out)
	}
	return img
}

func TestSetExt4Label(t *testing.T) {
	img := mkext4(t, "cozy-root-a", 8)
	f, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ext4Label(f); err != nil || got != "cozy-root-a" {
		t.Fatalf("label %q, %v", got, err)
	}
	if err := setExt4Label(f, "cozy-root-b"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// e2fsprogs checks the superblock checksum: a wrong one fails here.
	if e2fsck, err := exec.LookPath("e2fsck"); err == nil {
		if out, err := exec.Command(e2fsck, "-n", "-f", img).CombinedOutput(); err != nil {
			t.Fatalf("e2fsck after relabel: %v\n%s", err, out)
		}
	}
	out, err := exec.Command("e2label", img).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "cozy-root-b" {
		t.Fatalf("e2label: %q %v", out, err)
	}
}

func TestCheckExt4Refuses(t *testing.T) {
	p := filepath.Join(t.TempDir(), "zero")
	if err := os.WriteFile(p, make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(p)
	defer f.Close()
	if err := checkExt4(f); err != errNotExt4 {
		t.Fatalf("got %v", err)
	}
}
