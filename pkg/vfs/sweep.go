package vfs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// Swept is closed once the orphan sweep started by Open has ended
// (finished, or stopped by Close): tools and tests wait on it.
func (fs *FS) Swept() <-chan struct{} { return fs.swept }

// sweepOrphans removes the contents no document points to any more: what
// a crash between writing a blob and its document, or between deleting a
// document and its blob, left behind (Check reports the same). It runs in
// the background from Open, so that a large instance's first request does
// not wait for a walk of every blob; each blob is checked against its
// document under the metadata lock, the lock every blob write holds, so
// an upload running meanwhile is never taken for an orphan.
func (fs *FS) sweepOrphans() {
	defer fs.wg.Done()
	defer close(fs.swept)
	removed, err := fs.sweep(fs.bg)
	if err != nil && fs.bg.Err() == nil {
		fs.log.Warn("vfs: orphan sweep", "dir", fs.blobs.dir, "error", err)
	}
	if removed > 0 {
		fs.log.Info("vfs: removed orphan contents", "dir", fs.blobs.dir, "count", removed)
	}
}

// sweep walks the blob directories and removes orphans; it returns how
// many it removed.
func (fs *FS) sweep(ctx context.Context) (int, error) {
	shards, err := os.ReadDir(fs.blobs.dir)
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, s := range shards {
		if !s.IsDir() || s.Name() == "tmp" || s.Name() == "thumbs" {
			continue
		}
		blobs, err := os.ReadDir(filepath.Join(fs.blobs.dir, s.Name()))
		if err != nil {
			return removed, err
		}
		for _, b := range blobs {
			if err := ctx.Err(); err != nil {
				return removed, err
			}
			orphan, err := fs.removeIfOrphan(ctx, filepath.Join(fs.blobs.dir, s.Name(), b.Name()), b.Name())
			if err != nil {
				return removed, err
			}
			if orphan {
				removed++
			}
		}
	}
	return removed, nil
}

// removeIfOrphan removes the blob at p, named <file id>.<internal id>,
// when no document points to it.
func (fs *FS) removeIfOrphan(ctx context.Context, p, name string) (bool, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	id, internal, ok := cutLast(name, '.')
	if ok {
		f, err := fs.get(ctx, id)
		switch {
		case err == nil:
			if !f.IsDir() && f.InternalID == internal {
				return false, nil
			}
		case !errors.Is(err, ErrNotFound):
			return false, err
		}
	}
	if err := removeFile(p); err != nil {
		return false, err
	}
	return true, nil
}

// cutLast splits s around its last sep.
func cutLast(s string, sep byte) (string, string, bool) {
	i := strings.LastIndexByte(s, sep)
	if i <= 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}
