package session

import (
	"sync"
	"time"
)

// Backoff slows a key (a client address, a device) down exponentially
// with its failures: after Free failures, each one makes the key wait
// Base, then twice as long, up to Max, counted from that failure. A key's
// failures are forgotten Forget after its last one, or on Reset.
type Backoff struct {
	Free   int
	Base   time.Duration
	Max    time.Duration
	Forget time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu   sync.Mutex
	keys map[string]backoffEntry
}

type backoffEntry struct {
	fails int
	last  time.Time
}

func (b *Backoff) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// delay is how long a key with fails failures waits after the last one.
func (b *Backoff) delay(fails int) time.Duration {
	over := fails - b.Free
	if over <= 0 {
		return 0
	}
	d := b.Base
	for i := 1; i < over && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Wait is how long key must still wait before its next attempt (0: now).
func (b *Backoff) Wait(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.keys[key]
	if !ok {
		return 0
	}
	now := b.now()
	if now.Sub(e.last) >= b.Forget {
		delete(b.keys, key)
		return 0
	}
	return max(0, e.last.Add(b.delay(e.fails)).Sub(now))
}

// Fail records a failure of key.
func (b *Backoff) Fail(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if b.keys == nil {
		b.keys = map[string]backoffEntry{}
	}
	e, ok := b.keys[key]
	if !ok || now.Sub(e.last) >= b.Forget {
		if len(b.keys) >= maxKeys {
			b.prune(now)
		}
		e = backoffEntry{}
	}
	e.fails++
	e.last = now
	b.keys[key] = e
}

// Reset forgets key's failures (after a success).
func (b *Backoff) Reset(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.keys, key)
}

// prune drops forgotten keys, then, if all are live, the ones that wait
// least: memory stays bounded under a flood of addresses.
func (b *Backoff) prune(now time.Time) {
	for k, e := range b.keys {
		if now.Sub(e.last) >= b.Forget || e.fails <= b.Free {
			delete(b.keys, k)
		}
	}
	for k := range b.keys {
		if len(b.keys) < maxKeys/2 {
			break
		}
		delete(b.keys, k)
	}
}
