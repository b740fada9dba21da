package update

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// snapshot lists the files of dir with their hashes.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var sb strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		rel, _ := filepath.Rel(dir, p)
		sb.WriteString(rel + " " + hex.EncodeToString(sum[:8]) + "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sb.String()
}

// fixtures are files made once per test binary (ext4 images, bundles):
// building them is most of the package's test time, the race detector's
// above all.
var fixtures struct {
	sync.Mutex
	dir   string
	files map[string]string
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "update-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixtures.dir, fixtures.files = dir, map[string]string{}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cached returns the file build makes in a directory of its own, built
// once for key. Callers must not modify it.
func cached(t testing.TB, key string, build func(dir string) string) string {
	t.Helper()
	fixtures.Lock()
	defer fixtures.Unlock()
	if p, ok := fixtures.files[key]; ok {
		return p
	}
	dir, err := os.MkdirTemp(fixtures.dir, "f-")
	if err != nil {
		t.Fatal(err)
	}
	p := build(dir)
	fixtures.files[key] = p
	return p
}
