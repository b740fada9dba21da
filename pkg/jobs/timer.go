package jobs

import "time"

// timer is a pending callback of the broker's clock.
type timer struct{ stop func() bool }

// after runs f in its own goroutine after d, unless the broker closes
// first. The broker owns the callback: Close stops the pending ones and
// waits for those already running.
func (b *Broker) after(d time.Duration, f func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.afterLocked(d, f)
}

// afterLocked is after with b.mu held; it returns the timer's stop, to be
// called with b.mu held too.
func (b *Broker) afterLocked(d time.Duration, f func()) func() bool {
	if b.closed {
		return func() bool { return false }
	}
	t := &timer{}
	b.timers[t] = struct{}{}
	stop := b.cfg.Clock.AfterFunc(d, func() {
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return
		}
		delete(b.timers, t)
		// Added under b.mu while open: Close's Wait comes after.
		b.timed.Add(1)
		b.mu.Unlock()
		defer b.timed.Done()
		f()
	})
	t.stop = stop
	return func() bool {
		delete(b.timers, t)
		return stop()
	}
}
