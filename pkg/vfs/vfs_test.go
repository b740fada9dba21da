package vfs

import (
	"context"
	"crypto/md5"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cozypi/cozy/pkg/store/bolt"
)

func newFS(t *testing.T, quota int64) *FS {
	t.Helper()
	dir := t.TempDir()
	st, err := bolt.Open(filepath.Join(dir, "store.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fs, err := Open(context.Background(), st, Options{Dir: filepath.Join(dir, "files"), Origin: "https://cozy.test/", Quota: quota})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() }) // before the store and the directory go
	return fs
}

func put1(t *testing.T, fs *FS, dirID, name, body string) *File {
	t.Helper()
	f, err := fs.CreateFile(context.Background(), FileOptions{Name: name, DirID: dirID, Size: int64(len(body))}, strings.NewReader(body))
	if err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
	return f
}

func content(t *testing.T, fs *FS, f *File) string {
	t.Helper()
	r, err := fs.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, _ := io.ReadAll(r)
	return string(b)
}

func TestOpenIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	st, err := bolt.Open(filepath.Join(dir, "store.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	fs1, err := Open(ctx, st, Options{Dir: filepath.Join(dir, "files")})
	if err != nil {
		t.Fatal(err)
	}
	defer fs1.Close()
	put1(t, fs1, "", "a.txt", "hello")
	fs2, err := Open(ctx, st, Options{Dir: filepath.Join(dir, "files")})
	if err != nil {
		t.Fatal(err)
	}
	defer fs2.Close()
	if used, _ := fs2.Usage(); used != 5 {
		t.Fatalf("usage after reopen = %d, want 5", used)
	}
	trash, err := fs2.GetByPath(ctx, TrashPath)
	if err != nil || trash.ID != TrashID {
		t.Fatalf("trash by path: %v %v", trash, err)
	}
}

func TestCreateFileErrors(t *testing.T) {
	ctx := context.Background()
	fs := newFS(t, 100)
	put1(t, fs, "", "taken.txt", "x")
	goodSum := md5.Sum([]byte("hello"))
	tests := []struct {
		name string
		opts FileOptions
		body string
		want error
	}{
		{"clash", FileOptions{Name: "taken.txt", Size: 5}, "hello", ErrExists},
		{"md5", FileOptions{Name: "m.txt", Size: 5, MD5Sum: make([]byte, 16)}, "hello", ErrMD5Mismatch},
		{"short body", FileOptions{Name: "s.txt", Size: 6}, "hello", ErrSizeMismatch},
		{"long body", FileOptions{Name: "l.txt", Size: 4}, "hello", ErrSizeMismatch},
		{"quota declared", FileOptions{Name: "q.txt", Size: 200}, strings.Repeat("x", 200), ErrQuota},
		{"quota streamed", FileOptions{Name: "q2.txt", Size: -1}, strings.Repeat("x", 200), ErrQuota},
		{"bad name", FileOptions{Name: "a/b", Size: 5}, "hello", ErrInvalidName},
		{"no parent", FileOptions{Name: "p.txt", DirID: "nope", Size: 5}, "hello", ErrParentNotFound},
		{"in trash", FileOptions{Name: "t.txt", DirID: TrashID, Size: 5}, "hello", ErrForbidden},
		{"truncated", FileOptions{Name: "tr.txt", Size: 10}, "", ErrSizeMismatch},
		{"ok with md5", FileOptions{Name: "ok.txt", Size: 5, MD5Sum: goodSum[:]}, "hello", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(tt.body)
			if tt.name == "truncated" {
				body = io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(io.ErrUnexpectedEOF))
			}
			_, err := fs.CreateFile(ctx, tt.opts, body)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if used, _ := fs.Usage(); used != 6 {
		t.Fatalf("usage = %d, want 6", used)
	}
	tmp, _ := os.ReadDir(filepath.Join(fs.blobs.dir, "tmp"))
	if len(tmp) != 0 {
		t.Fatalf("temporary files left: %d", len(tmp))
	}
}

func TestTreeOperations(t *testing.T) {
	ctx := context.Background()
	fs := newFS(t, 0)
	a, err := fs.CreateDir(ctx, DirOptions{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := fs.CreateDir(ctx, DirOptions{Name: "b", DirID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if b.Path != "/a/b" {
		t.Fatalf("path = %q", b.Path)
	}
	f := put1(t, fs, b.ID, "f.txt", "content")
	if _, err := fs.CreateDir(ctx, DirOptions{Name: "b", DirID: a.ID}); !errors.Is(err, ErrExists) {
		t.Fatalf("dir clash: %v", err)
	}
	// Rename a: b's path follows, content untouched.
	name := "z"
	if _, err := fs.Modify(ctx, a.ID, Patch{Name: &name}); err != nil {
		t.Fatal(err)
	}
	got, err := fs.GetByPath(ctx, "/z/b/f.txt")
	if err != nil || got.ID != f.ID || content(t, fs, got) != "content" {
		t.Fatalf("after rename: %v %v", got, err)
	}
	// Moving a dir into itself is refused.
	if _, err := fs.Modify(ctx, a.ID, Patch{DirID: &b.ID}); !errors.Is(err, ErrMoveIntoItself) {
		t.Fatalf("move into itself: %v", err)
	}
	// Stale If-Match.
	if _, err := fs.Modify(ctx, f.ID, Patch{Name: &name, IfMatch: f.Rev}); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Modify(ctx, f.ID, Patch{Name: &name, IfMatch: f.Rev}); !errors.Is(err, ErrRevMismatch) {
		t.Fatalf("stale If-Match: %v", err)
	}
	// Trash a: everything below is trashed; restore puts it back.
	tr, err := fs.Trash(ctx, a.ID, "", nil)
	if err != nil || tr.RestorePath != "/" || tr.Path != "/.cozy_trash/z" {
		t.Fatalf("trash: %+v %v", tr, err)
	}
	inner, _ := fs.Get(ctx, f.ID)
	if !inner.Trashed {
		t.Fatal("file below a trashed dir is not trashed")
	}
	if _, err := fs.Restore(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	inner, _ = fs.Get(ctx, f.ID)
	if inner.Trashed {
		t.Fatal("file still trashed after restore")
	}
	// Trash then destroy a file: content removed, usage back to 0.
	if _, err := fs.Trash(ctx, f.ID, "", nil); err != nil {
		t.Fatal(err)
	}
	if err := fs.EmptyTrash(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Get(ctx, f.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("destroyed file: %v", err)
	}
	if used, _ := fs.Usage(); used != 0 {
		t.Fatalf("usage = %d", used)
	}
	if _, err := os.Stat(fs.blobs.path(inner.ID, inner.InternalID)); !os.IsNotExist(err) {
		t.Fatalf("content left: %v", err)
	}
}

func TestOverwrite(t *testing.T) {
	ctx := context.Background()
	fs := newFS(t, 0)
	f := put1(t, fs, "", "f.txt", "one")
	if _, err := fs.Overwrite(ctx, f.ID, FileOptions{Size: 3, IfMatch: "1-bad"}, strings.NewReader("two")); !errors.Is(err, ErrRevMismatch) {
		t.Fatalf("bad If-Match: %v", err)
	}
	g, err := fs.Overwrite(ctx, f.ID, FileOptions{Size: 5, IfMatch: f.Rev}, strings.NewReader("three"))
	if err != nil {
		t.Fatal(err)
	}
	if content(t, fs, g) != "three" || g.Size != 5 {
		t.Fatalf("content after overwrite: %q", content(t, fs, g))
	}
	if _, err := os.Stat(fs.blobs.path(f.ID, f.InternalID)); !os.IsNotExist(err) {
		t.Fatal("old content left")
	}
	if used, _ := fs.Usage(); used != 5 {
		t.Fatalf("usage = %d", used)
	}
}

func TestReferencesAndCopy(t *testing.T) {
	ctx := context.Background()
	fs := newFS(t, 20)
	f := put1(t, fs, "", "hello.pdf", "0123456789")
	album := Reference{Type: "io.cozy.photos.albums", ID: "a1"}
	g, err := fs.AddReferencedBy(ctx, f.ID, []Reference{album, album})
	if err != nil || len(g.ReferencedBy) != 1 {
		t.Fatalf("add refs: %v %v", g, err)
	}
	if g, err = fs.RemoveReferencedBy(ctx, f.ID, []Reference{album}); err != nil || len(g.ReferencedBy) != 0 {
		t.Fatalf("remove refs: %v %v", g, err)
	}
	c, err := fs.Copy(ctx, f.ID, "", "", "drive")
	if err != nil || c.Name != "hello (copy).pdf" || content(t, fs, c) != "0123456789" {
		t.Fatalf("copy: %+v %v", c, err)
	}
	if _, err := fs.Copy(ctx, f.ID, "", "", ""); !errors.Is(err, ErrExists) && !errors.Is(err, ErrQuota) {
		t.Fatalf("second copy: %v", err)
	}
	// Overwriting the original leaves the copy's content alone.
	if _, err := fs.Overwrite(ctx, f.ID, FileOptions{Size: 3}, strings.NewReader("new")); err != nil {
		t.Fatal(err)
	}
	if content(t, fs, c) != "0123456789" {
		t.Fatal("copy changed with its original")
	}
	if _, err := fs.Copy(ctx, c.ID, "third", "", ""); !errors.Is(err, ErrQuota) {
		t.Fatalf("copy over quota: %v", err)
	}
}

func TestNotSynchronizedOn(t *testing.T) {
	ctx := context.Background()
	fs := newFS(t, 0)
	d, _ := fs.CreateDir(ctx, DirOptions{Name: "Videos"})
	f := put1(t, fs, d.ID, "v.mp4", "v")
	desktop := Reference{Type: "io.cozy.oauth.clients", ID: "desktop"}
	if _, err := fs.AddNotSynchronizedOn(ctx, f.ID, []Reference{desktop}); !errors.Is(err, ErrNotDirectory) {
		t.Fatalf("on a file: %v", err)
	}
	if _, err := fs.AddNotSynchronizedOn(ctx, d.ID, []Reference{desktop}); err != nil {
		t.Fatal(err)
	}
	paths, err := fs.NotSynchronizedDirs(ctx, "desktop")
	if err != nil || len(paths) != 1 || paths[0] != "/Videos" {
		t.Fatalf("not synchronized dirs: %v %v", paths, err)
	}
	if _, err := fs.RemoveNotSynchronizedOn(ctx, d.ID, []Reference{desktop}); err != nil {
		t.Fatal(err)
	}
	if paths, _ = fs.NotSynchronizedDirs(ctx, "desktop"); len(paths) != 0 {
		t.Fatalf("after removal: %v", paths)
	}
}
