package vfs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestThumbQueueBoundsAndDeduplicates(t *testing.T) {
	q := newThumbQueue(2)
	steps := []struct {
		do   func() bool
		want bool
		what string
	}{
		{func() bool { return q.add("a") }, true, "first job"},
		{func() bool { return q.add("a") }, false, "same id again: one job"},
		{func() bool { return q.add("b") }, true, "second job"},
		{func() bool { return q.add("c") }, false, "queue full: dropped"},
		{func() bool { id := <-q.jobs; q.taken(id); return id == "a" }, true, "worker takes a"},
		{func() bool { return q.add("a") }, true, "a queued again once taken (its content may have changed)"},
		{func() bool { q.close(); return q.add("d") }, false, "closed: dropped"},
	}
	for _, s := range steps {
		if got := s.do(); got != s.want {
			t.Fatalf("%s: %v, want %v", s.what, got, s.want)
		}
	}
}

// TestThumbnailsMadeInBackground checks that an upload queues its
// thumbnails, that overwrites racing with the worker never leave
// thumbnails of an old content, and that Close waits for the worker.
func TestThumbnailsMadeInBackground(t *testing.T) {
	ctx := context.Background()
	fs := newFS(t, 0)
	photo, err := os.ReadFile("testdata/photo-exif.jpg")
	if err != nil {
		t.Fatal(err)
	}
	f, err := fs.CreateFile(ctx, FileOptions{Name: "p.jpg", Size: int64(len(photo))}, bytes.NewReader(photo))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, err := os.Stat(fs.thumbPath(f, "large")); err != nil; _, err = os.Stat(fs.thumbPath(f, "large")) {
		if time.Now().After(deadline) {
			t.Fatal("no thumbnail made in the background")
		}
		time.Sleep(5 * time.Millisecond)
	}
	var last *File
	for i := 1; i <= 5; i++ {
		body := append(bytes.Clone(photo), bytes.Repeat([]byte{0}, i)...)
		if last, err = fs.Overwrite(ctx, f.ID, FileOptions{Size: int64(len(body))}, bytes.NewReader(body)); err != nil {
			t.Fatal(err)
		}
	}
	fs.Close()
	if fs.thumbs.add(f.ID) {
		t.Fatal("a closed FS queued a job")
	}
	entries, _ := os.ReadDir(filepath.Join(fs.thumbDir(), shard(f.ID)))
	current := filepath.Base(fs.thumbPath(last, "tiny"))
	current = strings.TrimSuffix(current, "tiny.jpg")
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), current) {
			t.Errorf("thumbnail of an old content or temporary file left: %s", e.Name())
		}
	}
}
