package vfs

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/store/bolt"
)

// TestOpenCleansCrashLeftovers simulates what a crash leaves (a
// half-written upload, a blob without document, the old version of an
// overwritten file) and checks that opening the FS again removes them and
// nothing else.
func TestOpenCleansCrashLeftovers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	files := filepath.Join(dir, "files")
	st, err := bolt.Open(filepath.Join(dir, "store.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fs, err := Open(ctx, st, Options{Dir: files})
	if err != nil {
		t.Fatal(err)
	}
	keep := put1(t, fs, "", "keep.txt", "kept content")
	copied, err := fs.Copy(ctx, keep.ID, "copy.txt", "", "")
	if err != nil {
		t.Fatal(err)
	}
	fs.Close()

	leftovers := map[string]string{
		"half-written upload":   filepath.Join(files, "tmp", "upload-123456"),
		"blob without document": filepath.Join(files, "ab", "abcdef00-0000-4000-8000-000000000000.0123456789abcdef"),
		"old version":           fs.blobs.path(keep.ID, "00000000deadbeef"),
		"unnamed blob":          filepath.Join(files, "cd", "noversion"),
	}
	for _, p := range leftovers {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	start := time.Now()
	fs, err = Open(ctx, st, Options{Dir: files})
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	t.Logf("open took %s", time.Since(start))
	if _, err := os.Stat(leftovers["half-written upload"]); !os.IsNotExist(err) {
		t.Errorf("the temporary upload is still there after Open: %v", err)
	}
	select {
	case <-fs.Swept():
	case <-time.After(10 * time.Second):
		t.Fatal("the sweep did not end")
	}
	for what, p := range leftovers {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s left: %v", what, err)
		}
	}
	for _, f := range []*File{keep, copied} {
		if got := content(t, fs, f); got != "kept content" {
			t.Errorf("%s: content %q", f.Name, got)
		}
	}
	if ps, err := fs.Check(ctx, CheckOptions{VerifyMD5: true}); err != nil || len(ps) != 0 {
		t.Fatalf("check after reopen: %+v %v", ps, err)
	}
}

// TestSweepSparesConcurrentUploads runs uploads while the sweep walks the
// blobs: none may be taken for an orphan.
func TestSweepSparesConcurrentUploads(t *testing.T) {
	ctx := context.Background()
	fs := newFS(t, 0)
	<-fs.Swept()
	done := make(chan error)
	go func() {
		for i := 0; i < 50; i++ {
			if _, err := fs.sweep(ctx); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	var list []*File
	for i := 0; i < 50; i++ {
		list = append(list, put1(t, fs, "", "f"+time.Duration(i).String(), "content"))
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, f := range list {
		if content(t, fs, f) != "content" {
			t.Fatalf("%s lost its content", f.Name)
		}
	}
}
