package certstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrNotHeld is returned by Unlock and RenewLockLease for a lock this
// Storage does not hold (or lost to another holder after going stale).
var ErrNotHeld = errors.New("certstore: lock not held")

// heldLock is a lock this Storage holds and the goroutine renewing it.
type heldLock struct {
	token []byte
	stop  chan struct{}
	done  chan struct{}
}

// Lock takes the named lock, waiting while another holder (a goroutine, a
// Storage over the same file, or a process that died less than a lease ago)
// has it, until ctx ends.
func (s *Storage) Lock(ctx context.Context, name string) error {
	for {
		// Take the wake channel before trying, so that a release between
		// the try and the wait is not missed.
		wake := s.wake.channel(name)
		ok, expires, err := s.TryLockUntil(ctx, name)
		if err != nil || ok {
			return err
		}
		wait := time.NewTimer(max(expires.Sub(s.now()), time.Millisecond))
		select {
		case <-ctx.Done():
			wait.Stop()
			return ctx.Err()
		case <-wake:
		case <-wait.C:
		}
		wait.Stop()
	}
}

// TryLock takes the named lock if it is free or stale, without waiting.
func (s *Storage) TryLock(ctx context.Context, name string) (bool, error) {
	ok, _, err := s.TryLockUntil(ctx, name)
	return ok, err
}

// TryLockUntil is TryLock that also says, when the lock is taken by another
// holder, when its lease runs out.
func (s *Storage) TryLockUntil(ctx context.Context, name string) (bool, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return false, time.Time{}, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false, time.Time{}, errors.New("certstore: storage closed")
	}
	s.mu.Unlock()
	token := make([]byte, 16)
	rand.Read(token)
	var (
		ok      bool
		expires time.Time
	)
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(lockBucket)
		now := s.now()
		if v := b.Get([]byte(name)); v != nil {
			_, exp := decodeLock(v)
			if exp.After(now) {
				expires = exp
				return nil
			}
			s.log.Warn("certstore: taking over a stale lock", "lock", name, "expired", exp)
		}
		ok = true
		return b.Put([]byte(name), encodeLock(token, now.Add(s.lease)))
	})
	if err != nil {
		return false, time.Time{}, fmt.Errorf("certstore: lock %q: %w", name, err)
	}
	if !ok {
		return false, expires, nil
	}
	h := &heldLock{token: token, stop: make(chan struct{}), done: make(chan struct{})}
	s.mu.Lock()
	old := s.held[name]
	s.held[name] = h
	s.mu.Unlock()
	if old != nil {
		// Our own earlier hold went stale and was retaken: its renewer
		// has nothing left to renew.
		close(old.stop)
		<-old.done
	}
	go s.keepAlive(name, h)
	return true, time.Time{}, nil
}

// Unlock releases the named lock held by this Storage and wakes the
// waiters on the same file.
func (s *Storage) Unlock(ctx context.Context, name string) error {
	s.mu.Lock()
	h := s.held[name]
	delete(s.held, name)
	s.mu.Unlock()
	if h == nil {
		return fmt.Errorf("%w: %q", ErrNotHeld, name)
	}
	close(h.stop)
	<-h.done
	var lost bool
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(lockBucket)
		v := b.Get([]byte(name))
		if v == nil {
			lost = true
			return nil
		}
		if tok, _ := decodeLock(v); !bytes.Equal(tok, h.token) {
			lost = true // went stale and was taken over: not ours to delete
			return nil
		}
		return b.Delete([]byte(name))
	})
	s.wake.release(name)
	if err != nil {
		return fmt.Errorf("certstore: unlock %q: %w", name, err)
	}
	if lost {
		return fmt.Errorf("%w: %q was taken over after going stale", ErrNotHeld, name)
	}
	return nil
}

// RenewLockLease extends the named lock held by this Storage to at least
// lease from now (certmagic calls it before long retries).
func (s *Storage) RenewLockLease(ctx context.Context, name string, lease time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	h := s.held[name]
	s.mu.Unlock()
	if h == nil {
		return fmt.Errorf("%w: %q", ErrNotHeld, name)
	}
	return s.extend(name, h.token, lease)
}

// keepAlive renews h every third of a lease until Unlock stops it.
func (s *Storage) keepAlive(name string, h *heldLock) {
	defer close(h.done)
	t := time.NewTicker(s.lease / 3)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			if err := s.extend(name, h.token, s.lease); err != nil {
				s.log.Error("certstore: renew lock", "lock", name, "err", err)
			}
		}
	}
}

// extend moves the expiry of a lock holding token to at least now+lease.
func (s *Storage) extend(name string, token []byte, lease time.Duration) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(lockBucket)
		v := b.Get([]byte(name))
		if v == nil {
			return fmt.Errorf("%w: %q vanished", ErrNotHeld, name)
		}
		tok, exp := decodeLock(v)
		if !bytes.Equal(tok, token) {
			return fmt.Errorf("%w: %q was taken over", ErrNotHeld, name)
		}
		if next := s.now().Add(lease); next.After(exp) {
			return b.Put([]byte(name), encodeLock(token, next))
		}
		return nil
	})
}

// encodeLock is a lock record: the holder's token, then the expiry.
func encodeLock(token []byte, expires time.Time) []byte {
	v := make([]byte, len(token)+8)
	copy(v, token)
	binary.BigEndian.PutUint64(v[len(token):], uint64(expires.UnixNano()))
	return v
}

// decodeLock reads a lock record; a malformed one counts as expired.
func decodeLock(v []byte) ([]byte, time.Time) {
	if len(v) < 8 {
		return nil, time.Time{}
	}
	n := len(v) - 8
	return v[:n], time.Unix(0, int64(binary.BigEndian.Uint64(v[n:])))
}

// wakers are the channels waiters of one file sleep on, closed and replaced
// when a lock of that name is released.
type wakers struct {
	mu sync.Mutex
	ch map[string]chan struct{}
}

var (
	wakersMu  sync.Mutex
	wakersAll = map[string]*wakers{}
)

// wakersFor returns the process-wide wakers of the file at path.
func wakersFor(path string) *wakers {
	path = cleanPath(path)
	wakersMu.Lock()
	defer wakersMu.Unlock()
	w := wakersAll[path]
	if w == nil {
		w = &wakers{ch: map[string]chan struct{}{}}
		wakersAll[path] = w
	}
	return w
}

// channel is closed at the next release of name.
func (w *wakers) channel(name string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.ch[name]
	if c == nil {
		c = make(chan struct{})
		w.ch[name] = c
	}
	return c
}

// release wakes every waiter of name.
func (w *wakers) release(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.ch[name]; c != nil {
		close(c)
		delete(w.ch, name)
	}
}
