package vfs

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"os"
	"testing"
	"time"
)

func TestPhotoDateAndThumbnails(t *testing.T) {
	ctx := context.Background()
	fs := newFS(t, 0)
	photo, err := os.ReadFile("testdata/photo-exif.jpg") // 64x32, orientation 6
	if err != nil {
		t.Fatal(err)
	}
	f, err := fs.CreateFile(ctx, FileOptions{Name: "p.jpg", Size: int64(len(photo))}, bytes.NewReader(photo))
	if err != nil {
		t.Fatal(err)
	}
	taken := time.Date(2019, 5, 4, 12, 34, 56, 0, time.UTC)
	if !f.CreatedAt.Equal(taken) || f.Class != "image" || !bytes.Contains(f.Metadata, []byte(`"orientation":6`)) {
		t.Fatalf("photo doc: created %v, class %s, metadata %s", f.CreatedAt, f.Class, f.Metadata)
	}
	r, err := fs.Thumbnail(ctx, f, "small")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(r)
	r.Close()
	if err != nil || cfg.Width != 32 || cfg.Height != 64 {
		t.Fatalf("small thumbnail: %dx%d %v (want the photo turned upright, 32x64)", cfg.Width, cfg.Height, err)
	}
	if _, err := fs.Thumbnail(ctx, f, "huge"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown format: %v", err)
	}
	// Overwriting drops the old thumbnails; destroying drops all.
	old := fs.thumbPath(f, "tiny")
	g, err := fs.Overwrite(ctx, f.ID, FileOptions{Size: int64(len(photo)) + 1, ContentType: "image/jpeg"}, bytes.NewReader(append(photo, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Fatalf("old thumbnail left: %v", err)
	}
	if err := fs.MakeThumbnails(ctx, g); err != nil {
		t.Fatal(err)
	}
	fs.Trash(ctx, g.ID, "", nil)
	if err := fs.Destroy(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fs.thumbPath(g, "tiny")); !os.IsNotExist(err) {
		t.Fatalf("thumbnail of a destroyed file left: %v", err)
	}
	if ps, _ := fs.Check(ctx, CheckOptions{}); len(ps) != 0 {
		t.Fatalf("check: %+v", ps)
	}
}
