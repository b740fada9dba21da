package realtime

import (
	"log/slog"

	"github.com/cozypi/cozy/pkg/store"
)

// feedBuffer is how far the forwarding of a store's events may lag behind
// its writers. Forwarding never blocks, so it only lags under extreme load;
// the bus then drops the feed, which is logged and resubscribed.
const feedBuffer = 4096

// feed forwards the events of one store's bus to the hub.
type feed struct {
	stop chan struct{}
	done chan struct{}
}

// Attach forwards every committed write of bus (single, bulk and replicated
// writes alike) to the subscribers of instanceID, until Detach or Close.
// Attaching an instance again replaces its previous feed. log may be nil.
func (h *Hub) Attach(instanceID string, bus *store.Bus, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h.Detach(instanceID)
	f := &feed{stop: make(chan struct{}), done: make(chan struct{})}
	sub := bus.Subscribe(feedBuffer, nil)
	h.mu.Lock()
	h.feeds[instanceID] = f
	h.mu.Unlock()
	go func() {
		defer close(f.done)
		for {
			select {
			case <-f.stop:
				sub.Close()
				return
			case ev, ok := <-sub.C():
				if !ok {
					log.Warn("realtime: the feed of a store fell behind; some events were lost", "instance", instanceID)
					sub = bus.Subscribe(feedBuffer, nil)
					continue
				}
				h.Publish(instanceID, FromStore(ev))
			}
		}
	}()
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
	close(f.stop)
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
