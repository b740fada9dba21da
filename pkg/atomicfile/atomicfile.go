// Package atomicfile replaces small files so that a crash or a power cut
// leaves either the old content or the new one, never a mix or nothing:
// the new content goes to a temporary file beside the target, is synced,
// renamed over it, and the directory is synced.
//
// Limits: it is for whole contents held in memory (configuration, state);
// streams use their own temporary files. On FAT (the Pi's boot partition)
// a rename is not atomic in the file system's own structures, but Linux's
// vfat never loses both names once the directory is synced.
package atomicfile

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// WriteFile replaces path with data. The temporary file is created with
// mode (less the umask) and never chmod-ed: a secret is never readable by
// others, even for a moment, and vfat, which refuses a chmod its mount
// options do not allow, works too. The directory must exist.
func WriteFile(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	var f *os.File
	var err error
	for range 10 {
		tmp := filepath.Join(dir, fmt.Sprintf(".%s-%d", filepath.Base(path), rand.Uint32()))
		if f, err = os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode); !errors.Is(err, os.ErrExist) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	defer os.Remove(f.Name()) // after a failure; gone by then otherwise
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("atomicfile: writing %s: %w", path, err)
	}
	return SyncDir(dir)
}

// SyncDir makes a directory's entries (creations, renames, removals)
// durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("atomicfile: sync %s: %w", dir, err)
	}
	return nil
}
