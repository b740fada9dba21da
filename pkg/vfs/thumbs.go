package vfs

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/vfs/thumbnail"
)

// HasThumbnails reports whether thumbnails can be made for f.
func HasThumbnails(f *File) bool {
	switch f.Mime {
	case "image/jpeg", "image/png", "image/gif":
		return !f.IsDir() && f.Size > 0
	}
	return false
}

func (fs *FS) thumbDir() string { return filepath.Join(fs.blobs.dir, "thumbs") }

// thumbPath names a thumbnail after the file id and its content's md5, so
// that an overwrite never serves an old one.
func (fs *FS) thumbPath(f *File, format string) string {
	return filepath.Join(fs.thumbDir(), shard(f.ID), f.ID+"-"+hex.EncodeToString(f.MD5Sum)+"-"+format+".jpg")
}

// Thumbnail opens a thumbnail of f (tiny, small, medium or large), making
// the four of them first if needed.
func (fs *FS) Thumbnail(ctx context.Context, f *File, format string) (*os.File, error) {
	if _, ok := thumbnail.FormatByName(format); !ok {
		return nil, fmt.Errorf("%w: no thumbnail format %q", ErrNotFound, format)
	}
	if !HasThumbnails(f) {
		return nil, fmt.Errorf("%w: no thumbnail for %s", ErrNotFound, f.Mime)
	}
	if r, err := os.Open(fs.thumbPath(f, format)); err == nil {
		return r, nil
	}
	if err := fs.MakeThumbnails(ctx, f); err != nil {
		return nil, err
	}
	return os.Open(fs.thumbPath(f, format))
}

// MakeThumbnails makes the thumbnails of f that are missing, one image at a
// time for the whole instance (decoding a photo takes its pixels' memory).
// They are put in place only if f is still the file's current content, so
// that an overwrite or a destroy that happened meanwhile never leaves
// thumbnails of a content that is gone.
func (fs *FS) MakeThumbnails(ctx context.Context, f *File) error {
	select {
	case fs.thumbSem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-fs.thumbSem }()
	missing := false
	for _, t := range thumbnail.Formats {
		if _, err := os.Stat(fs.thumbPath(f, t.Name)); err != nil {
			missing = true
		}
	}
	if !missing {
		return nil
	}
	open := func() (io.ReadCloser, error) { return fs.Open(f) }
	img, err := thumbnail.Decode(open)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	orientation := 0
	if r, err := fs.Open(f); err == nil {
		if ex, err := thumbnail.ReadExif(r); err == nil {
			orientation = ex.Orientation
		}
		r.Close()
	}
	dir := filepath.Join(fs.thumbDir(), shard(f.ID))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("vfs: thumbnail directory: %w", err)
	}
	tmps := make([]string, 0, len(thumbnail.Formats))
	defer func() {
		for _, p := range tmps {
			os.Remove(p) // those not renamed
		}
	}()
	for _, t := range thumbnail.Formats {
		tmp, err := os.CreateTemp(dir, ".thumb-*")
		if err != nil {
			return fmt.Errorf("vfs: thumbnail: %w", err)
		}
		tmps = append(tmps, tmp.Name())
		err = thumbnail.Make(tmp, img, orientation, t)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("vfs: thumbnail %s: %w", t.Name, err)
		}
	}
	fs.thumbMu.Lock()
	defer fs.thumbMu.Unlock()
	cur, err := fs.get(ctx, f.ID)
	if err != nil {
		return err
	}
	if cur.InternalID != f.InternalID {
		return fmt.Errorf("%w: %s changed while its thumbnails were made", ErrNotFound, f.ID)
	}
	for i, t := range thumbnail.Formats {
		if err := os.Rename(tmps[i], fs.thumbPath(f, t.Name)); err != nil {
			return fmt.Errorf("vfs: thumbnail %s: %w", t.Name, err)
		}
	}
	return nil
}

// removeThumbnails deletes every thumbnail of a file id. Callers change
// or delete the file's document first: MakeThumbnails then either sees
// the change or has its thumbnails removed here.
func (fs *FS) removeThumbnails(id string) {
	fs.thumbMu.Lock()
	defer fs.thumbMu.Unlock()
	dir := filepath.Join(fs.thumbDir(), shard(id))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), id+"-") {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// photoMetadata reads the EXIF of an uploaded JPEG: its date and the
// metadata member upstream fills for photos.
func photoMetadata(r io.ReadSeeker) (time.Time, map[string]any, error) {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return time.Time{}, nil, err
	}
	ex, err := thumbnail.ReadExif(r)
	if errors.Is(err, thumbnail.ErrNoExif) {
		return time.Time{}, nil, nil
	}
	if err != nil {
		return time.Time{}, nil, err
	}
	meta := map[string]any{"extractor_version": 2}
	if !ex.DateTime.IsZero() {
		meta["datetime"] = ex.DateTime.UTC()
	}
	if ex.Orientation > 0 {
		meta["orientation"] = ex.Orientation
	}
	return ex.DateTime, meta, nil
}
