package jobs

import (
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// TestCloseOwnsTimers: Close stops the broker's pending timers (their
// callbacks never run) and waits for the callbacks already running.
func TestCloseOwnsTimers(t *testing.T) {
	clock := NewManualClock(t0)
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	b := startBroker(t, st, Config{Workers: map[string]Worker{"log": LogWorker(nil)}, Clock: clock})

	var pendingRan atomic.Bool
	b.after(2*time.Minute, func() { pendingRan.Store(true) })

	started, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	b.after(time.Minute, func() {
		close(started)
		<-release
		finished.Store(true)
	})
	advanced := make(chan struct{})
	go func() {
		defer close(advanced)
		clock.Advance(time.Minute) // runs the first callback, which blocks
	}()
	<-started

	closed := make(chan struct{})
	go func() {
		defer close(closed)
		b.Close()
	}()
	// Release the running callback once Close has begun.
	waitFor(t, "Close to begin", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.closed
	})
	close(release)
	<-closed
	if !finished.Load() {
		t.Fatal("Close returned before a running timer callback ended")
	}
	<-advanced
	clock.Advance(time.Hour)
	if pendingRan.Load() {
		t.Fatal("a timer pending at Close ran")
	}
}
