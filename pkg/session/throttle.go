package session

import (
	"sync"
	"time"
)

// Throttle counts failures per key (an instance, a client address) in a
// fixed window and refuses once a key reaches its limit.
type Throttle struct {
	Limit  int
	Window time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu   sync.Mutex
	hits map[string]window
}

type window struct {
	start time.Time
	count int
}

// maxKeys bounds the memory of a Throttle; old windows are dropped first.
const maxKeys = 10000

// NewThrottle returns a Throttle of limit failures per window.
func NewThrottle(limit int, win time.Duration) *Throttle {
	return &Throttle{Limit: limit, Window: win}
}

func (t *Throttle) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// Allowed reports whether key may try again, and if not, when it may.
func (t *Throttle) Allowed(key string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	w, ok := t.hits[key]
	now := t.now()
	if !ok || now.Sub(w.start) >= t.Window {
		return true, 0
	}
	if w.count >= t.Limit {
		return false, t.Window - now.Sub(w.start)
	}
	return true, 0
}

// Fail records a failure of key.
func (t *Throttle) Fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if t.hits == nil {
		t.hits = map[string]window{}
	}
	w, ok := t.hits[key]
	if !ok || now.Sub(w.start) >= t.Window {
		if len(t.hits) >= maxKeys {
			t.prune(now)
		}
		w = window{start: now}
	}
	w.count++
	t.hits[key] = w
}

// Undo takes back one failure of key (an attempt counted in advance that
// turned out to succeed).
func (t *Throttle) Undo(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if w, ok := t.hits[key]; ok && w.count > 0 {
		w.count--
		t.hits[key] = w
	}
}

// Reset forgets key's failures (after a success).
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.hits, key)
}

func (t *Throttle) prune(now time.Time) {
	for k, w := range t.hits {
		if now.Sub(w.start) >= t.Window {
			delete(t.hits, k)
		}
	}
	if len(t.hits) >= maxKeys { // all live: drop arbitrary ones
		for k := range t.hits {
			delete(t.hits, k)
			if len(t.hits) < maxKeys/2 {
				break
			}
		}
	}
}
