package certstore

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// twoOnOneFile returns two Storage values over one bbolt file.
func twoOnOneFile(t *testing.T, lease time.Duration) (*Storage, *Storage) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "box.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(db, Options{Lease: lease})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(db, Options{Lease: lease})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close(); db.Close() })
	return a, b
}

func TestLockExcludesGoroutinesAndStorages(t *testing.T) {
	a, b := twoOnOneFile(t, time.Minute)
	ctx := context.Background()
	var inside, entries atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if err := s.Lock(ctx, "issue_cert_example.test"); err != nil {
					t.Error(err)
					return
				}
				if inside.Add(1) != 1 {
					t.Error("two holders at once")
				}
				entries.Add(1)
				inside.Add(-1)
				if err := s.Unlock(ctx, "issue_cert_example.test"); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	// The lease is a minute: finishing in the test's time means waiters
	// were woken by the releases, not by lease expiry.
	wg.Wait()
	if entries.Load() != 40 {
		t.Fatalf("%d entries, want 40", entries.Load())
	}
	// Another name is independent.
	if err := a.Lock(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.TryLock(ctx, "y"); !ok || err != nil {
		t.Fatalf("TryLock other name: %v %v", ok, err)
	}
	if ok, _ := b.TryLock(ctx, "x"); ok {
		t.Fatal("TryLock of a held name succeeded")
	}
}

func TestLockWaitsForReleaseAcrossStorages(t *testing.T) {
	a, b := twoOnOneFile(t, time.Minute)
	ctx := context.Background()
	if err := a.Lock(ctx, "n"); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- b.Lock(ctx, "n") }()
	select {
	case err := <-got:
		t.Fatalf("second Lock returned while held: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	if err := a.Unlock(ctx, "n"); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if err := a.Unlock(ctx, "n"); !errors.Is(err, ErrNotHeld) {
		t.Fatalf("Unlock by a non-holder: %v", err)
	}
	if err := b.Unlock(ctx, "n"); err != nil {
		t.Fatal(err)
	}
}

func TestLockHonoursContext(t *testing.T) {
	a, b := twoOnOneFile(t, time.Minute)
	if err := a.Lock(context.Background(), "n"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := b.Lock(ctx, "n"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock past its context: %v", err)
	}
}

// abandon drops a held lock as a process that died would: its record stays,
// nobody renews it.
func (s *Storage) abandon(name string) {
	s.mu.Lock()
	h := s.held[name]
	delete(s.held, name)
	s.mu.Unlock()
	close(h.stop)
	<-h.done
}

func TestStaleLockExpires(t *testing.T) {
	const lease = 300 * time.Millisecond
	a, b := twoOnOneFile(t, lease)
	ctx := context.Background()
	if err := a.Lock(ctx, "n"); err != nil {
		t.Fatal(err)
	}
	a.abandon("n")
	ok, expires, err := b.TryLockUntil(ctx, "n")
	if ok || err != nil {
		t.Fatalf("TryLock of a fresh lock: %v %v", ok, err)
	}
	if err := b.Lock(ctx, "n"); err != nil {
		t.Fatal(err)
	}
	if now := time.Now(); now.Before(expires) {
		t.Fatalf("stale lock taken at %v, before its lease ran out at %v", now, expires)
	}
	if err := b.Unlock(ctx, "n"); err != nil {
		t.Fatal(err)
	}
}

func TestHeldLockIsRenewed(t *testing.T) {
	// The holder renews every lease/3, so a renewal may come up to 2/3 of
	// a lease late on a loaded machine before the lock goes stale.
	const lease = 600 * time.Millisecond
	a, b := twoOnOneFile(t, lease)
	ctx := context.Background()
	if err := a.Lock(ctx, "n"); err != nil {
		t.Fatal(err)
	}
	// Two leases later the holder still has it: its renewer kept it fresh.
	deadline := time.Now().Add(2 * lease)
	for time.Now().Before(deadline) {
		if ok, _ := b.TryLock(ctx, "n"); ok {
			t.Fatal("a live lock went stale")
		}
		time.Sleep(lease / 5)
	}
	// RenewLockLease pushes the expiry further than the regular lease.
	if err := a.RenewLockLease(ctx, "n", time.Hour); err != nil {
		t.Fatal(err)
	}
	a.abandon("n")
	ok, until, err := b.TryLockUntil(ctx, "n")
	if ok || err != nil || time.Until(until) < 50*time.Minute {
		t.Fatalf("after RenewLockLease: %v %v %v", ok, until, err)
	}
	if err := b.RenewLockLease(ctx, "n", time.Hour); !errors.Is(err, ErrNotHeld) {
		t.Fatalf("RenewLockLease by a non-holder: %v", err)
	}
}

func TestCloseReleasesLocks(t *testing.T) {
	a, b := twoOnOneFile(t, time.Minute)
	ctx := context.Background()
	if err := a.Lock(ctx, "n"); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.TryLock(ctx, "n"); !ok || err != nil {
		t.Fatalf("after Close of the holder: %v %v", ok, err)
	}
	if _, err := a.TryLock(ctx, "m"); err == nil {
		t.Fatal("TryLock on a closed Storage succeeded")
	}
}
