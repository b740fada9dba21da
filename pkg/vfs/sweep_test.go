package vfs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// BenchmarkOpenAndSweep measures what a restart costs an instance of 5000
// files: Open, which the first request waits for, and the background
// sweep, with 50 crash leftovers to remove each time.
func BenchmarkOpenAndSweep(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	files := filepath.Join(dir, "files")
	st, err := bolt.Open(filepath.Join(dir, "store.db"), bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	fs, err := Open(ctx, st, Options{Dir: files})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 5000; i++ {
		if _, err := fs.CreateFile(ctx, FileOptions{Name: fmt.Sprintf("f%05d", i), Size: 1}, strings.NewReader("x")); err != nil {
			b.Fatal(err)
		}
	}
	fs.Close()
	var open, sweep time.Duration
	for b.Loop() {
		for i := 0; i < 50; i++ {
			p := filepath.Join(files, "ab", fmt.Sprintf("ab%030d.%016x", i, i))
			os.MkdirAll(filepath.Dir(p), 0o700)
			os.WriteFile(p, []byte("x"), 0o600)
		}
		start := time.Now()
		fs, err := Open(ctx, st, Options{Dir: files})
		if err != nil {
			b.Fatal(err)
		}
		open += time.Since(start)
		<-fs.Swept()
		sweep += time.Since(start)
		fs.Close()
	}
	b.ReportMetric(float64(open.Milliseconds())/float64(b.N), "open-ms")
	b.ReportMetric(float64(sweep.Milliseconds())/float64(b.N), "sweep-ms")
}
