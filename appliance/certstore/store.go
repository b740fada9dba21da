package certstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
	bolt "go.etcd.io/bbolt"
)

// Buckets of the file used by the store.
var (
	dataBucket = []byte("certmagic")
	lockBucket = []byte("certmagic-locks")
)

// Options tune a Storage. Zero values get the defaults named on each field.
type Options struct {
	// Lease is how long a lock outlives its holder's last sign of life
	// (30 s). The holder renews it every Lease/3.
	Lease time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Storage is a certmagic.Storage (with TryLocker and LockLeaseRenewer) kept
// in a bbolt file. Make one with Open or New; Close releases its locks.
type Storage struct {
	db     *bolt.DB
	ownsDB bool
	lease  time.Duration
	log    *slog.Logger
	wake   *wakers
	now    func() time.Time

	mu     sync.Mutex
	held   map[string]*heldLock
	closed bool
}

var (
	_ certmagic.Storage          = (*Storage)(nil)
	_ certmagic.TryLocker        = (*Storage)(nil)
	_ certmagic.LockLeaseRenewer = (*Storage)(nil)
)

// Open opens (or creates) the bbolt file at path and returns a Storage that
// owns it: Close closes the file.
func Open(path string, opts Options) (*Storage, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("certstore: open %s: %w", path, err)
	}
	s, err := New(db, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	s.ownsDB = true
	return s, nil
}

// New returns a Storage over an open bbolt file, which stays the caller's
// to close (after Close of every Storage over it). Several Storage values
// over one file share its locks.
func New(db *bolt.DB, opts Options) (*Storage, error) {
	if opts.Lease <= 0 {
		opts.Lease = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{dataBucket, lockBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("certstore: buckets: %w", err)
	}
	return &Storage{
		db:    db,
		lease: opts.Lease,
		log:   opts.Logger.With("component", "certstore"),
		wake:  wakersFor(db.Path()),
		now:   time.Now,
		held:  map[string]*heldLock{},
	}, nil
}

// Close releases the locks this Storage holds, waits for their renewing
// goroutines and, for a Storage made by Open, closes the file.
func (s *Storage) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	names := make([]string, 0, len(s.held))
	for n := range s.held {
		names = append(names, n)
	}
	s.mu.Unlock()
	var errs []error
	for _, n := range names {
		if err := s.Unlock(context.Background(), n); err != nil {
			errs = append(errs, err)
		}
	}
	if s.ownsDB {
		errs = append(errs, s.db.Close())
	}
	return errors.Join(errs...)
}

// Store puts value at key, with the current time as its modification time.
func (s *Storage) Store(ctx context.Context, key string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	k, err := cleanKey(key)
	if err != nil {
		return err
	}
	v := make([]byte, 8+len(value))
	binary.BigEndian.PutUint64(v, uint64(s.now().UnixNano()))
	copy(v[8:], value)
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(dataBucket).Put([]byte(k), v)
	})
}

// Load returns the value at key, or an error matching fs.ErrNotExist.
func (s *Storage) Load(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k, err := cleanKey(key)
	if err != nil {
		return nil, err
	}
	var out []byte
	err = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(dataBucket).Get([]byte(k))
		if v == nil {
			return notExist(key)
		}
		out = bytes.Clone(v[8:])
		return nil
	})
	return out, err
}

// Delete removes key, or every key below it when it is a directory. A
// missing key is not an error.
func (s *Storage) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	k, err := cleanKey(key)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(dataBucket)
		if err := b.Delete([]byte(k)); err != nil {
			return err
		}
		// Collect first: deleting under a cursor skips keys in bbolt.
		var below [][]byte
		c := b.Cursor()
		p := dirPrefix(k)
		for kk, _ := c.Seek(p); kk != nil && bytes.HasPrefix(kk, p); kk, _ = c.Next() {
			below = append(below, bytes.Clone(kk))
		}
		for _, kk := range below {
			if err := b.Delete(kk); err != nil {
				return err
			}
		}
		return nil
	})
}

// Exists tells whether key is a stored key or a directory of stored keys.
func (s *Storage) Exists(ctx context.Context, key string) bool {
	_, err := s.Stat(ctx, key)
	return err == nil
}

// Stat describes key: a terminal key with its size and modification time,
// or a directory (IsTerminal false). A missing key gives fs.ErrNotExist.
func (s *Storage) Stat(ctx context.Context, key string) (certmagic.KeyInfo, error) {
	if err := ctx.Err(); err != nil {
		return certmagic.KeyInfo{}, err
	}
	k, err := cleanKey(key)
	if err != nil {
		return certmagic.KeyInfo{}, err
	}
	var info certmagic.KeyInfo
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(dataBucket)
		if v := b.Get([]byte(k)); v != nil {
			info = certmagic.KeyInfo{Key: key, Modified: modTime(v), Size: int64(len(v) - 8), IsTerminal: true}
			return nil
		}
		p := dirPrefix(k)
		if kk, _ := b.Cursor().Seek(p); kk != nil && bytes.HasPrefix(kk, p) {
			info = certmagic.KeyInfo{Key: key, IsTerminal: false}
			return nil
		}
		return notExist(key)
	})
	return info, err
}

// List returns the keys under path: its direct children (terminal keys and
// directories) or, when recursive, every key and directory below it, as
// FileStorage does. A path with nothing below gives fs.ErrNotExist.
func (s *Storage) List(ctx context.Context, path string, recursive bool) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k, err := cleanKey(path)
	if err != nil {
		return nil, err
	}
	var out []string
	err = s.db.View(func(tx *bolt.Tx) error {
		seen := map[string]bool{}
		add := func(key string) {
			if !seen[key] {
				seen[key] = true
				out = append(out, key)
			}
		}
		c := tx.Bucket(dataBucket).Cursor()
		p := dirPrefix(k)
		for kk, _ := c.Seek(p); kk != nil && bytes.HasPrefix(kk, p); kk, _ = c.Next() {
			rest := strings.Split(string(kk[len(p):]), "/")
			if !recursive {
				add(join(k, rest[0]))
				continue
			}
			for i := range rest {
				add(join(k, strings.Join(rest[:i+1], "/")))
			}
		}
		if len(out) == 0 {
			return notExist(path)
		}
		return nil
	})
	return out, err
}

// cleanKey normalises a key as FileStorage would see it: no leading,
// trailing or doubled slashes. The empty key is the root directory.
func cleanKey(key string) (string, error) {
	if strings.ContainsRune(key, 0) {
		return "", fmt.Errorf("certstore: invalid key %q", key)
	}
	parts := strings.FieldsFunc(key, func(r rune) bool { return r == '/' })
	for _, p := range parts {
		if p == "." || p == ".." {
			return "", fmt.Errorf("certstore: invalid key %q", key)
		}
	}
	return strings.Join(parts, "/"), nil
}

// dirPrefix is the prefix of the keys below directory k.
func dirPrefix(k string) []byte {
	if k == "" {
		return nil
	}
	return []byte(k + "/")
}

// join builds a child key of directory k.
func join(k, child string) string {
	if k == "" {
		return child
	}
	return k + "/" + child
}

// modTime reads the modification time stored before a value.
func modTime(v []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(v[:8])))
}

// notExist is the error for a missing key, matching fs.ErrNotExist.
func notExist(key string) error {
	return fmt.Errorf("certstore: %q: %w", key, fs.ErrNotExist)
}

// cleanPath makes the process-wide identity of a bbolt file.
func cleanPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
