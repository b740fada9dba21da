package landns

import (
	"net/netip"
	"sync"
	"time"
)

// limiter gives each client address a token bucket: rate tokens a second up
// to burst. The table of buckets is bounded: when it is full, buckets that
// have refilled (idle clients) are dropped, and if none has, the newcomer is
// refused rather than the table grown.
type limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	max     int
	now     func() time.Time
	buckets map[netip.Addr]*bucket
}

// bucket is one client's tokens at a time.
type bucket struct {
	tokens float64
	at     time.Time
}

// newLimiter makes a limiter; rate <= 0 turns limiting off.
func newLimiter(rate float64, burst, maxClients int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(max(burst, 1)), max: maxClients, now: now, buckets: map[netip.Addr]*bucket{}}
}

// allow takes one token for client and reports whether there was one.
func (l *limiter) allow(client netip.Addr) bool {
	if l.rate <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[client]
	if !ok {
		if len(l.buckets) >= l.max && !l.sweep(now) {
			return false
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[client] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// sweep drops the buckets that are full again and tells whether any was.
func (l *limiter) sweep(now time.Time) bool {
	freed := false
	for a, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, a)
			freed = true
		}
	}
	return freed
}
