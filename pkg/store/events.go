package store

import (
	"sync"
)

// Verb says what a write did to a document.
type Verb string

// Event verbs, as cozy-stack's realtime uses them.
const (
	Created Verb = "CREATED"
	Updated Verb = "UPDATED"
	Deleted Verb = "DELETED"
)

// Event is published after a write is committed.
type Event struct {
	Doctype string
	Verb    Verb
	Doc     Doc  // the winning revision after the write (Body rendered)
	OldDoc  *Doc // the winning revision before the write; nil on creation
	Seq     uint64
}

// VerbFor returns the verb of a write that changed the winner from old
// (nil when the document did not exist) to a winner whose deleted flag is
// deleted.
func VerbFor(old *Doc, deleted bool) Verb {
	switch {
	case deleted:
		return Deleted
	case old == nil || old.Deleted:
		return Created
	default:
		return Updated
	}
}

// Bus fans committed-write events out to subscribers. Publishing never
// blocks: a subscriber whose buffer is full is dropped (its channel is
// closed and Dropped reports true). The zero Bus is ready to use.
type Bus struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

// Subscription receives events on C until it is closed or dropped.
type Subscription struct {
	bus     *Bus
	ch      chan Event
	filter  func(Event) bool
	mu      sync.Mutex
	closed  bool
	dropped bool
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{} }

// Subscribe registers a subscriber with a buffer of the given size (at least
// 1). filter, when non-nil, selects the events delivered.
func (b *Bus) Subscribe(buffer int, filter func(Event) bool) *Subscription {
	if buffer < 1 {
		buffer = 1
	}
	s := &Subscription{bus: b, ch: make(chan Event, buffer), filter: filter}
	b.mu.Lock()
	if b.subs == nil {
		b.subs = make(map[*Subscription]struct{})
	}
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// C returns the channel of events. It is closed when the subscription is
// closed or dropped.
func (s *Subscription) C() <-chan Event { return s.ch }

// Dropped reports whether the subscription was dropped for being too slow.
func (s *Subscription) Dropped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Close unsubscribes. It is safe to call more than once.
func (s *Subscription) Close() {
	s.bus.remove(s, false)
}

func (b *Bus) remove(s *Subscription, dropped bool) {
	b.mu.Lock()
	delete(b.subs, s)
	b.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		s.dropped = dropped
		close(s.ch)
	}
}

// Publish delivers ev to every subscriber whose filter accepts it, without
// blocking.
func (b *Bus) Publish(ev Event) {
	b.mu.Lock()
	subs := make([]*Subscription, 0, len(b.subs))
	for s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.Unlock()
	for _, s := range subs {
		if s.filter != nil && !s.filter(ev) {
			continue
		}
		s.mu.Lock()
		full := false
		if !s.closed {
			select {
			case s.ch <- ev:
			default:
				full = true
			}
		}
		s.mu.Unlock()
		if full {
			b.remove(s, true)
		}
	}
}

// Len returns the number of live subscriptions.
func (b *Bus) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}
