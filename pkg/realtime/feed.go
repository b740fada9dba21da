package realtime

import (
	"context"
	"log/slog"
	"strings"

	"github.com/cozypi/cozy/pkg/realtime/follow"
	"github.com/cozypi/cozy/pkg/store"
)

// feedBuffer is how far the forwarding of a store's events may lag behind
// its writers before it catches up from the store's changes feed.
// Forwarding never blocks, so it only lags under extreme load.
const feedBuffer = 4096

// feed forwards the events of one store to the hub; cancel stops it and
// done is closed when its goroutine has returned.
type feed struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// Attach forwards every committed write of st (single, bulk and replicated
// writes alike) to the subscribers of instanceID, until Detach or Close. A
// feed that falls behind catches up from the changes of the doctypes
// someone watches (see package follow), so no subscriber misses a write
// through the feed. Attaching an instance again replaces its previous
// feed. log may be nil.
func (h *Hub) Attach(instanceID string, st store.Store, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h.Detach(instanceID)
	ctx, cancel := context.WithCancel(context.Background())
	buffer := h.FeedBuffer
	if buffer <= 0 {
		buffer = feedBuffer
	}
	fl, err := follow.New(ctx, st, follow.Options{Buffer: buffer, Log: log,
		Replay: func(doctype string) bool { return h.watched(instanceID, doctype) }})
	if err != nil {
		cancel()
		return err
	}
	f := &feed{cancel: cancel, done: make(chan struct{})}
	h.mu.Lock()
	h.feeds[instanceID] = f
	h.mu.Unlock()
	go func() {
		defer close(f.done)
		fl.Run(ctx, func(ev store.Event) {
			// Design documents (Mango indexes, views) are not the
			// doctype's documents: upstream publishes nothing for them,
			// and apps take any event of a doctype for one of its
			// documents (Drive asks GET /files/<undefined> on an index
			// creation and its live list stops).
			if strings.HasPrefix(ev.Doc.ID, store.DesignPrefix) {
				return
			}
			h.Publish(instanceID, FromStore(ev))
		})
	}()
	return nil
}

// watched reports whether a subscriber of the instance watches doctype, or
// one of its documents.
func (h *Hub) watched(instanceID, doctype string) bool {
	h.mu.Lock()
	subs := make([]*Subscriber, 0, len(h.topics[instanceID]))
	for s := range h.topics[instanceID] {
		subs = append(subs, s)
	}
	h.mu.Unlock()
	for _, s := range subs {
		if s.watches(doctype) {
			return true
		}
	}
	return false
}

// Detach stops forwarding the store events of an instance and drops its
// subscribers (an instance being deleted).
func (h *Hub) Detach(instanceID string) {
	h.mu.Lock()
	f := h.feeds[instanceID]
	delete(h.feeds, instanceID)
	var subs []*Subscriber
	if f != nil {
		for s := range h.topics[instanceID] {
			subs = append(subs, s)
		}
	}
	h.mu.Unlock()
	if f == nil {
		return
	}
	f.cancel()
	<-f.done
	for _, s := range subs {
		s.Close()
	}
}

// Close stops every feed and closes every subscriber.
func (h *Hub) Close() {
	h.mu.Lock()
	ids := make([]string, 0, len(h.feeds)+len(h.topics))
	for id := range h.feeds {
		ids = append(ids, id)
	}
	var subs []*Subscriber
	for _, t := range h.topics {
		for s := range t {
			subs = append(subs, s)
		}
	}
	h.mu.Unlock()
	for _, id := range ids {
		h.Detach(id)
	}
	for _, s := range subs {
		s.Close()
	}
}
