package bolt

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	bbolt "go.etcd.io/bbolt"

	"github.com/cozypi/cozy/pkg/atomicfile"
	"github.com/cozypi/cozy/pkg/store"
)

// Attachment contents ("blobs") live in files beside the bbolt file, one
// per distinct content, named by the hex MD5 of the content (the digest
// CouchDB and PouchDB use) under a two-character shard directory. The
// top-level "_blobs" bucket counts, per blob, the documents whose kept
// revisions reference it, with the content's SHA-256 (two contents of one
// MD5 are refused, never confused) and length.
//
// Crash safety: a blob is written to a temporary file, fsynced, renamed
// into place and its directory fsynced before the document that
// references it is committed; a blob whose count drops to zero is removed
// after the commit. A crash in between leaves at worst an unreferenced
// file, which Open sweeps.
//
// A blob being written for a write not yet committed is pinned: the
// collector never removes a pinned blob. mu orders pins, removals and the
// readers that look a blob up and open it.

var blobBucket = []byte("_blobs")

// blobInfo describes one stored content.
type blobInfo struct {
	key    string // hex MD5, the file name
	digest string // "md5-" + base64 MD5
	sha    [sha256.Size]byte
	length int64
}

// blobs is the directory of attachment contents.
type blobs struct {
	dir  string
	log  *slog.Logger
	view func(func(*bbolt.Tx) error) error // a read transaction of the store
	mu   sync.RWMutex
	pins map[string]*blobPin
	size atomic.Int64
	// room, when set, returns the bytes new contents may still take
	// (the instance's disk quota less what its files and attachments
	// use), or a negative number for no limit.
	room atomic.Pointer[func() int64]
}

// space returns what room returns, or -1 without a limit.
func (b *blobs) space() int64 {
	if f := b.room.Load(); f != nil {
		return (*f)()
	}
	return -1
}

// noSpace is the error of a content over the room left: 413, nothing
// stored.
func noSpace(n, room int64) error {
	return &store.Error{Kind: store.ErrTooLarge, Code: "quota_exceeded",
		Reason: fmt.Sprintf("not enough space left on the disk: the attachment needs %d bytes or more, %d are left", n, room)}
}

type blobPin struct {
	n      int
	sha    [sha256.Size]byte
	length int64
}

// errCollision is a content whose MD5 equals another stored content's.
var errCollision = errors.New("attachment digest collision")

func (b *blobs) path(key string) string { return filepath.Join(b.dir, key[:2], key[2:]) }

// keyOf turns a "md5-<base64>" digest into a blob key; ok is false for
// any other digest.
func keyOf(digest string) (string, bool) {
	s, ok := strings.CutPrefix(digest, "md5-")
	if !ok {
		return "", false
	}
	sum, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(sum) != md5.Size {
		return "", false
	}
	return hex.EncodeToString(sum), true
}

// blobRef is the value of a blob in the _blobs bucket.
type blobRef struct {
	refs   uint64
	sha    [sha256.Size]byte
	length int64
}

func (r blobRef) encode() []byte {
	v := make([]byte, 0, 8+sha256.Size+8)
	v = binary.BigEndian.AppendUint64(v, r.refs)
	v = append(v, r.sha[:]...)
	return binary.BigEndian.AppendUint64(v, uint64(r.length))
}

func decodeBlobRef(v []byte) (blobRef, bool) {
	var r blobRef
	if len(v) != 8+sha256.Size+8 {
		return r, false
	}
	r.refs = binary.BigEndian.Uint64(v)
	copy(r.sha[:], v[8:])
	r.length = int64(binary.BigEndian.Uint64(v[8+sha256.Size:]))
	return r, true
}

// lookup reads the committed reference of key.
func (b *blobs) lookup(key string) (blobRef, bool, error) {
	var ref blobRef
	var ok bool
	err := b.view(func(tx *bbolt.Tx) error {
		if bk := tx.Bucket(blobBucket); bk != nil {
			ref, ok = decodeBlobRef(bk.Get([]byte(key)))
		}
		return nil
	})
	return ref, ok, err
}

// write stores the content read from r, pinned: the caller calls unpin
// with its key once the write that references it is committed or failed.
func (b *blobs) write(r io.Reader) (blobInfo, error) {
	var info blobInfo
	tmpDir := filepath.Join(b.dir, "tmp")
	if err := os.MkdirAll(tmpDir, 0o700); err != nil {
		return info, fmt.Errorf("attachments: %w", err)
	}
	f, err := os.CreateTemp(tmpDir, "blob-")
	if err != nil {
		return info, fmt.Errorf("attachments: %w", err)
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()
	mh, sh := md5.New(), sha256.New()
	room := b.space()
	src := r
	if room >= 0 {
		src = io.LimitReader(r, room+1)
	}
	n, err := io.Copy(io.MultiWriter(f, mh, sh), src)
	if err != nil {
		return info, err
	}
	if room >= 0 && n > room {
		return info, noSpace(n, room)
	}
	if err := f.Sync(); err != nil {
		return info, fmt.Errorf("attachments: %w", err)
	}
	if err := f.Close(); err != nil {
		return info, fmt.Errorf("attachments: %w", err)
	}
	sum := mh.Sum(nil)
	info = blobInfo{key: hex.EncodeToString(sum), digest: "md5-" + base64.StdEncoding.EncodeToString(sum), length: n}
	copy(info.sha[:], sh.Sum(nil))

	b.mu.Lock()
	defer b.mu.Unlock()
	if p := b.pins[info.key]; p != nil {
		if p.sha != info.sha {
			return info, errCollision
		}
		p.n++
		os.Remove(tmp)
		done = true
		return info, nil
	}
	final := b.path(info.key)
	old, statErr := os.Stat(final)
	if statErr == nil {
		ref, ok, err := b.lookup(info.key)
		if err != nil {
			return info, err
		}
		if ok && ref.sha != info.sha {
			return info, errCollision
		}
		if ok { // the same content is already stored
			b.pins[info.key] = &blobPin{n: 1, sha: info.sha, length: info.length}
			os.Remove(tmp)
			done = true
			return info, nil
		}
		b.size.Add(-old.Size()) // an unreferenced file: replaced below
	}
	// A new content: checked again under mu, which orders the writes of
	// contents, so that two writes cannot both take the last room.
	if room := b.space(); room >= 0 && n > room {
		return info, noSpace(n, room)
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return info, fmt.Errorf("attachments: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return info, fmt.Errorf("attachments: %w", err)
	}
	done = true
	if err := atomicfile.SyncDir(filepath.Dir(final)); err != nil {
		os.Remove(final)
		return info, err
	}
	b.size.Add(n)
	b.pins[info.key] = &blobPin{n: 1, sha: info.sha, length: info.length}
	return info, nil
}

// pinned returns the description of a pinned blob (a staged content).
func (b *blobs) pinned(digest string) (blobInfo, bool) {
	key, ok := keyOf(digest)
	if !ok {
		return blobInfo{}, false
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	p := b.pins[key]
	if p == nil {
		return blobInfo{}, false
	}
	return blobInfo{key: key, digest: digest, sha: p.sha, length: p.length}, true
}

// unpin releases the pins of a write, then collects its blobs that no
// committed document references.
func (b *blobs) unpin(keys []string) {
	if len(keys) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range keys {
		if p := b.pins[k]; p != nil {
			if p.n--; p.n <= 0 {
				delete(b.pins, k)
			}
		}
	}
	b.collectLocked(keys)
}

// collect removes the blobs among keys that are neither pinned nor
// referenced.
func (b *blobs) collect(keys []string) {
	if len(keys) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.collectLocked(keys)
}

func (b *blobs) collectLocked(keys []string) {
	for _, k := range keys {
		if b.pins[k] != nil {
			continue
		}
		if _, ok, err := b.lookup(k); err != nil || ok {
			continue
		}
		p := b.path(k)
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		if err := os.Remove(p); err != nil {
			b.log.Warn("attachments: cannot remove an unreferenced content", "key", k, "error", err)
			continue
		}
		b.size.Add(-st.Size())
	}
}

// open opens the file of a blob (under mu, taken by the caller).
func (b *blobs) open(key string) (*os.File, error) {
	return os.Open(b.path(key))
}

// sweep runs at open, before any write: it removes temporary files and
// the blobs no document references (a crash between a blob write and its
// commit, or between a commit and a removal), and counts the size of the
// others.
func (b *blobs) sweep() error {
	_ = os.RemoveAll(filepath.Join(b.dir, "tmp"))
	var size int64
	var orphans []string
	err := b.view(func(tx *bbolt.Tx) error {
		bk := tx.Bucket(blobBucket)
		return filepath.WalkDir(b.dir, func(p string, de fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if de.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(b.dir, p)
			key := strings.ReplaceAll(rel, string(filepath.Separator), "")
			if bk == nil || bk.Get([]byte(key)) == nil {
				orphans = append(orphans, p)
				return nil
			}
			info, err := de.Info()
			if err != nil {
				return err
			}
			size += info.Size()
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("attachments: sweep: %w", err)
	}
	for _, p := range orphans {
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("attachments: sweep: %w", err)
		}
	}
	if len(orphans) > 0 {
		b.log.Info("attachments: removed unreferenced contents", "count", len(orphans))
	}
	b.size.Store(size)
	return nil
}

// adjustRef adds delta to the count of key in bk, creating the entry
// (with info's checksum) or deleting it at zero. It reports whether the
// entry was deleted.
func adjustRef(bk *bbolt.Bucket, key string, delta int64, info *blobInfo) (bool, error) {
	ref, ok := decodeBlobRef(bk.Get([]byte(key)))
	if info != nil {
		if ok && ref.sha != info.sha && ref.refs > 0 {
			return false, errCollision
		}
		ref.sha, ref.length = info.sha, info.length
	}
	n := int64(ref.refs) + delta
	if n <= 0 {
		if ok {
			return true, bk.Delete([]byte(key))
		}
		return false, nil
	}
	ref.refs = uint64(n)
	return false, bk.Put([]byte(key), ref.encode())
}
