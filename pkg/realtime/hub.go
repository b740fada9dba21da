package realtime

import (
	"sync"
)

// DefaultBuffer is the number of events a subscriber may lag behind before
// it is dropped, when Subscribe is given no size.
const DefaultBuffer = 256

// Hub routes events to the subscribers of each instance. The zero Hub is
// not usable; call NewHub.
type Hub struct {
	mu     sync.Mutex
	topics map[string]map[*Subscriber]struct{} // by instance ID
	feeds  map[string]*feed                    // by instance ID
	// FeedBuffer is how many store events a feed may lag behind before it
	// catches up from the changes feed (4096 when 0). Set it before Attach.
	FeedBuffer int
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{topics: map[string]map[*Subscriber]struct{}{}, feeds: map[string]*feed{}}
}

// Subscriber receives the events of one instance that match what it
// watches, on C, until it is closed or dropped.
type Subscriber struct {
	hub      *Hub
	instance string
	ch       chan *Event

	mu      sync.Mutex
	whole   map[string]bool            // doctypes watched entirely
	ids     map[string]map[string]bool // doctype -> watched ids
	closed  bool
	dropped bool
}

// Subscribe registers a subscriber for the events of an instance, with a
// buffer of the given number of events (DefaultBuffer when <= 0). It
// watches nothing until Watch is called.
func (h *Hub) Subscribe(instanceID string, buffer int) *Subscriber {
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	s := &Subscriber{hub: h, instance: instanceID, ch: make(chan *Event, buffer),
		whole: map[string]bool{}, ids: map[string]map[string]bool{}}
	h.mu.Lock()
	subs := h.topics[instanceID]
	if subs == nil {
		subs = map[*Subscriber]struct{}{}
		h.topics[instanceID] = subs
	}
	subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Subscribers returns the number of live subscribers of an instance.
func (h *Hub) Subscribers(instanceID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.topics[instanceID])
}

// Publish delivers ev to the subscribers of the instance that watch its
// doctype or document. It never blocks: a subscriber whose buffer is full
// is dropped.
func (h *Hub) Publish(instanceID string, ev *Event) {
	h.mu.Lock()
	subs := make([]*Subscriber, 0, len(h.topics[instanceID]))
	for s := range h.topics[instanceID] {
		subs = append(subs, s)
	}
	h.mu.Unlock()
	for _, s := range subs {
		if s.offer(ev) {
			continue
		}
		s.drop()
	}
}

// offer queues ev if s watches it; it reports false when the buffer is full.
func (s *Subscriber) offer(ev *Event) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || !(s.whole[ev.Doctype] || s.ids[ev.Doctype][ev.ID]) {
		return true
	}
	select {
	case s.ch <- ev:
		return true
	default:
		return false
	}
}

// watches reports whether s watches doctype or one of its documents.
func (s *Subscriber) watches(doctype string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.whole[doctype] || len(s.ids[doctype]) > 0
}

// Watch adds a selector: the whole doctype when id is empty, else one
// document.
func (s *Subscriber) Watch(doctype, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == "" {
		s.whole[doctype] = true
		return
	}
	if s.ids[doctype] == nil {
		s.ids[doctype] = map[string]bool{}
	}
	s.ids[doctype][id] = true
}

// Unwatch removes a selector added by Watch with the same arguments.
func (s *Subscriber) Unwatch(doctype, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == "" {
		delete(s.whole, doctype)
		return
	}
	delete(s.ids[doctype], id)
	if len(s.ids[doctype]) == 0 {
		delete(s.ids, doctype)
	}
}

// C returns the channel of events; it is closed when the subscriber is
// closed or dropped.
func (s *Subscriber) C() <-chan *Event { return s.ch }

// Dropped reports whether the subscriber was dropped for being too slow.
func (s *Subscriber) Dropped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Close unsubscribes. It is safe to call more than once.
func (s *Subscriber) Close() { s.end(false) }

func (s *Subscriber) drop() { s.end(true) }

func (s *Subscriber) end(dropped bool) {
	h := s.hub
	h.mu.Lock()
	if subs := h.topics[s.instance]; subs != nil {
		delete(subs, s)
		if len(subs) == 0 {
			delete(h.topics, s.instance)
		}
	}
	h.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed, s.dropped = true, dropped
		close(s.ch)
	}
}
