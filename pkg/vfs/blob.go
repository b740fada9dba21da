package vfs

import (
	"crypto/md5"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/cozypi/cozy/pkg/ident"
)

// blobStore keeps file contents: dir/<id[:2]>/<id>.<internal-id>, and
// temporary uploads in dir/tmp.
type blobStore struct{ dir string }

func (b blobStore) init() error {
	if err := os.MkdirAll(filepath.Join(b.dir, "tmp"), 0o700); err != nil {
		return fmt.Errorf("vfs: content directory: %w", err)
	}
	return nil
}

func shard(id string) string {
	s := strings.NewReplacer("/", "_", ".", "_").Replace(id)
	if len(s) < 2 {
		return "__"
	}
	return s[:2]
}

// path returns where the content of file id, version internal, lives.
func (b blobStore) path(id, internal string) string {
	return filepath.Join(b.dir, shard(id), id+"."+internal)
}

// newInternalID returns a random version name for a blob.
func newInternalID() string { return ident.Hex(8) }

// tempDir is where uploads are written before they become blobs.
func (b blobStore) tempDir() string { return filepath.Join(b.dir, "tmp") }

// clearTemp removes every temporary upload: when the FS opens, those are
// what a crash interrupted (one directory read, so it stays cheap).
func (b blobStore) clearTemp() error {
	entries, err := os.ReadDir(b.tempDir())
	if err != nil {
		return fmt.Errorf("vfs: temporary uploads: %w", err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(b.tempDir(), e.Name())); err != nil {
			return fmt.Errorf("vfs: remove temporary upload: %w", err)
		}
	}
	return nil
}

// copyBufSize is the chunk of an upload: each costs a read of the body and
// a write to the file, with maybe a wait for the client in between, so that
// larger chunks mean fewer system calls and goroutine switches per MiB.
const copyBufSize = 256 << 10

// copyBufs hold the buffers of the uploads under way.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// upload is a body being written to a temporary file.
type upload struct {
	f    *os.File
	hash hash.Hash
	size int64
}

// write streams r into a temporary file, at most max bytes (max < 0: no
// limit; more is ErrQuota), hashing it on the way, and fsyncs it.
func (b blobStore) write(r io.Reader, max int64) (*upload, error) {
	f, err := os.CreateTemp(b.tempDir(), "upload-*")
	if err != nil {
		return nil, fmt.Errorf("vfs: temporary file: %w", err)
	}
	u := &upload{f: f, hash: md5.New()}
	src := r
	if max >= 0 {
		src = io.LimitReader(r, max+1)
	}
	buf := copyBufs.Get().(*[]byte)
	n, err := io.CopyBuffer(io.MultiWriter(f, u.hash), src, *buf)
	copyBufs.Put(buf)
	u.size = n
	if err == nil && max >= 0 && n > max {
		err = ErrQuota
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		u.abort()
		if errors.Is(err, ErrQuota) {
			return nil, err
		}
		return nil, fmt.Errorf("vfs: write content: %w", err)
	}
	return u, nil
}

func (u *upload) sum() []byte { return u.hash.Sum(nil) }

// abort removes the temporary file.
func (u *upload) abort() {
	u.f.Close()
	os.Remove(u.f.Name())
}

// commit moves the temporary file to its blob path and syncs the directory.
func (b blobStore) commit(u *upload, id, internal string) error {
	if err := u.f.Close(); err != nil {
		os.Remove(u.f.Name())
		return fmt.Errorf("vfs: close content: %w", err)
	}
	dst := b.path(id, internal)
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		os.Remove(u.f.Name())
		return fmt.Errorf("vfs: content directory: %w", err)
	}
	if err := os.Rename(u.f.Name(), dst); err != nil {
		os.Remove(u.f.Name())
		return fmt.Errorf("vfs: store content: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// open opens the content of a file.
func (b blobStore) open(id, internal string) (*os.File, error) {
	f, err := os.Open(b.path(id, internal))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: content of %s is missing", ErrNotFound, id)
		}
		return nil, fmt.Errorf("vfs: open content: %w", err)
	}
	return f, nil
}

// remove deletes a blob.
func (b blobStore) remove(id, internal string) error {
	if internal == "" {
		return nil
	}
	return removeFile(b.path(id, internal))
}
