package bolt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	bbolt "go.etcd.io/bbolt"

	"github.com/cozypi/cozy/pkg/atomicfile"
	"github.com/cozypi/cozy/pkg/store"
)

// Giving space back. A bbolt file never shrinks: pages freed by updates
// and compaction are reused by later writes but stay in the file. Shrink
// copies the live keys into a new file beside it and swaps it in:
//
//  1. writes are paused (Store.write); reads go on in the old file;
//  2. every bucket and key is copied into <path>.compact, which is then
//     fsynced and closed;
//  3. everything is paused (Store.swap): the old file is closed, the new
//     one renamed over it, the directory fsynced, the new file opened;
//  4. writes resume, in the new file.
//
// A crash at any point leaves at <path> either the old file or the new
// one, each whole and holding every acknowledged write: no write is
// acknowledged from step 1 until the rename is durable. A leftover
// <path>.compact is removed by Open.

// shrinkSuffix names the file being written by Shrink.
const shrinkSuffix = ".compact"

// copyTxBytes bounds the keys and values copied per write transaction of
// the new file (each transaction holds its dirty pages in memory).
const copyTxBytes = 16 << 20

var _ store.Maintainer = (*Store)(nil)

// shrinkHook, when set (by the crash tests), is called at each step of a
// swap: "copied", "closed", "renamed", "synced".
var shrinkHook func(step string)

func shrinkStep(step string) {
	if shrinkHook != nil {
		shrinkHook(step)
	}
}

// Maintain compacts the doctypes written since their last compaction,
// then shrinks the file if minFree bytes (and a quarter of it) are free.
func (s *Store) Maintain(ctx context.Context, minFree int64) (store.Maintenance, error) {
	var m store.Maintenance
	doctypes, err := s.Doctypes(ctx)
	if err != nil {
		return m, err
	}
	for _, dt := range doctypes {
		d := s.DB(dt).(*DB)
		var seq, done uint64
		err := d.view(ctx, func(b *buckets) error {
			seq, done = getU64(b.info, "seq"), getU64(b.info, "compacted_seq")
			return nil
		})
		if errors.Is(err, store.ErrNotFound) {
			continue // destroyed meanwhile
		}
		if err != nil {
			return m, err
		}
		if seq == done {
			continue
		}
		if err := d.Compact(ctx); err != nil {
			return m, fmt.Errorf("compact %s: %w", dt, err)
		}
		if err := d.update(ctx, func(st *txState) error {
			return st.b.info.Put([]byte("compacted_seq"), u64(seq))
		}); err != nil {
			return m, err
		}
		m.Compacted = append(m.Compacted, dt)
	}
	m.Shrunk, m.SizeBefore, m.SizeAfter, err = s.Shrink(ctx, minFree)
	return m, err
}

// Shrink rewrites the file with only its live data when at least minFree
// bytes of it, and a quarter, are free pages (minFree < 0: always). It
// reports whether it did, and the file's size before and after.
func (s *Store) Shrink(ctx context.Context, minFree int64) (shrunk bool, before, after int64, err error) {
	s.write.Lock()
	defer s.write.Unlock()
	if s.closed {
		return false, 0, 0, fmt.Errorf("shrink: %w", store.ErrClosed)
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		return false, 0, 0, fmt.Errorf("shrink: %w", err)
	}
	before, after = fi.Size(), fi.Size()
	st := s.db.Stats()
	free := int64(st.FreePageN+st.PendingPageN) * int64(s.db.Info().PageSize)
	if minFree >= 0 && (free < minFree || free*4 < before) {
		return false, before, after, nil
	}
	tmp := s.path + shrinkSuffix
	if err := s.copyTo(ctx, tmp, before); err != nil {
		os.Remove(tmp)
		return false, before, after, fmt.Errorf("shrink: %w", err)
	}
	if err := s.swapIn(tmp); err != nil {
		return false, before, after, fmt.Errorf("shrink: %w", err)
	}
	if fi, err := os.Stat(s.path); err == nil {
		after = fi.Size()
	}
	s.log.InfoContext(ctx, "store file shrunk", "path", s.path, "before", before, "after", after)
	return true, before, after, nil
}

// copyTo writes every bucket and key of the store into a new file at
// path, and fsyncs it. The new file is mapped at size (the old file's)
// from the start: growing the map on the way copies every node again.
func (s *Store) copyTo(ctx context.Context, path string, size int64) error {
	os.Remove(path)
	dst, err := bbolt.Open(path, 0o600, &bbolt.Options{NoSync: true, NoGrowSync: true,
		FreelistType: bbolt.FreelistMapType, InitialMmapSize: int(size)})
	if err != nil {
		return err
	}
	// The file grows by what the copy needs plus AllocSize (by default
	// 16 MiB once the map is that large, as it is here from the start).
	dst.AllocSize = 1 << 20
	err = s.viewTx(func(src *bbolt.Tx) error { return copyLive(ctx, dst, src) })
	if err == nil {
		err = dst.Sync()
	}
	return errors.Join(err, dst.Close())
}

// copyLive copies the buckets and keys of src into dst, in transactions
// of about copyTxBytes, pages filled whole.
func copyLive(ctx context.Context, dst *bbolt.DB, src *bbolt.Tx) error {
	tx, err := dst.Begin(true)
	if err != nil {
		return err
	}
	defer func() { tx.Rollback() }()
	var size int64
	n, gen := 0, 0 // gen counts the commits: buckets are per transaction
	bucket := func(path [][]byte) *bbolt.Bucket {
		b := tx.Bucket(path[0])
		for _, k := range path[1:] {
			b = b.Bucket(k)
		}
		b.FillPercent = 1
		return b
	}
	var copyBucket func(path [][]byte, from *bbolt.Bucket) error
	copyBucket = func(path [][]byte, from *bbolt.Bucket) error {
		to, toGen := bucket(path), gen
		return from.ForEach(func(k, v []byte) error {
			if n++; n%1024 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			if size >= copyTxBytes {
				if err := tx.Commit(); err != nil {
					return err
				}
				if tx, err = dst.Begin(true); err != nil {
					return err
				}
				size, gen = 0, gen+1
			}
			if toGen != gen {
				to, toGen = bucket(path), gen
			}
			size += int64(len(k) + len(v))
			if v != nil {
				return to.Put(k, v)
			}
			sub := from.Bucket(k)
			nb, err := to.CreateBucket(k)
			if err != nil {
				return err
			}
			if err := nb.SetSequence(sub.Sequence()); err != nil {
				return err
			}
			return copyBucket(append(path[:len(path):len(path)], k), sub)
		})
	}
	err = src.ForEach(func(name []byte, b *bbolt.Bucket) error {
		nb, err := tx.CreateBucket(name)
		if err != nil {
			return err
		}
		if err := nb.SetSequence(b.Sequence()); err != nil {
			return err
		}
		return copyBucket([][]byte{name}, b)
	})
	if err != nil {
		return err
	}
	return tx.Commit()
}

// swapIn replaces the store file by the one at tmp, with every
// transaction paused.
func (s *Store) swapIn(tmp string) error {
	shrinkStep("copied")
	s.swap.Lock()
	defer s.swap.Unlock()
	if err := s.db.Close(); err != nil {
		os.Remove(tmp)
		return s.reopen(err)
	}
	shrinkStep("closed")
	if err := os.Rename(tmp, s.path); err != nil {
		os.Remove(tmp)
		return s.reopen(err)
	}
	shrinkStep("renamed")
	if err := atomicfile.SyncDir(filepath.Dir(s.path)); err != nil {
		// The new file is in place, its name perhaps not durable: writes
		// must not resume in it. The store stays closed (s.db is the
		// closed old file: calls fail with ErrClosed) until reopened.
		s.log.Error("store: fsync of the directory after shrinking failed, the store is closed", "path", s.path, "err", err)
		return err
	}
	shrinkStep("synced")
	return s.reopen(nil)
}

// reopen opens the file at the store's path again, after cause. If that
// fails, the store stays closed (its calls fail with ErrClosed).
func (s *Store) reopen(cause error) error {
	db, err := bbolt.Open(s.path, 0o600, &bbolt.Options{Timeout: s.timeout, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		s.log.Error("store: reopening after shrinking failed, the store is closed", "path", s.path, "err", err)
		return errors.Join(cause, err)
	}
	s.db = db
	return cause
}
