package vfs

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"testing"
	"time"
)

func TestWriteZip(t *testing.T) {
	ctx := context.Background()
	fs := newFS(t, 0)
	d, _ := fs.CreateDir(ctx, DirOptions{Name: "bills"})
	sub, _ := fs.CreateDir(ctx, DirOptions{Name: "2024", DirID: d.ID})
	put1(t, fs, sub.ID, "jan.txt", "january")
	one := put1(t, fs, "", "one.txt", "one")
	var buf bytes.Buffer
	if err := fs.WriteZip(ctx, &buf, []*File{d, one}); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	contents := map[string]string{}
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.FileInfo().IsDir() {
			r, _ := f.Open()
			b, _ := io.ReadAll(r)
			r.Close()
			contents[f.Name] = string(b)
		}
	}
	want := []string{"bills/", "bills/2024/", "bills/2024/jan.txt", "one.txt"}
	if !slices.Equal(names, want) || contents["bills/2024/jan.txt"] != "january" || contents["one.txt"] != "one" {
		t.Fatalf("zip entries %v %v", names, contents)
	}
}

func TestArchiveRecords(t *testing.T) {
	ctx := context.Background()
	fs := newFS(t, 0)
	now := time.Now()
	key, err := fs.SaveArchive(ctx, Archive{Name: "x", IDs: []string{"a", "b"}, ExpiresAt: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	a, err := fs.LoadArchive(ctx, key, now)
	if err != nil || a.Name != "x" || !slices.Equal(a.IDs, []string{"a", "b"}) {
		t.Fatalf("load: %+v %v", a, err)
	}
	if _, err := fs.LoadArchive(ctx, key, now.Add(2*time.Minute)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired: %v", err)
	}
	if _, err := fs.LoadArchive(ctx, key, now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired archive not deleted: %v", err)
	}
	if _, err := fs.LoadArchive(ctx, "nope", now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
}
