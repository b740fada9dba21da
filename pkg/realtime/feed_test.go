package realtime

import (
	"testing"

	"github.com/cozypi/cozy/pkg/store"
)

func TestAttachForwardsStoreEvents(t *testing.T) {
	h := NewHub()
	bus := store.NewBus()
	h.Attach("inst", bus, nil)
	s := h.Subscribe("inst", 8)
	s.Watch("io.cozy.notes", "")
	for _, v := range []store.Verb{store.Created, store.Updated, store.Deleted} {
		bus.Publish(store.Event{Doctype: "io.cozy.notes", Verb: v, Doc: store.Doc{ID: "a", Rev: "1-x"}})
		ev := <-s.C()
		if ev.Verb != string(v) || ev.ID != "a" || ev.Rev != "1-x" || ev.Doctype != "io.cozy.notes" {
			t.Fatalf("got %+v for %s", ev, v)
		}
	}
	h.Detach("inst")
	if _, ok := <-s.C(); ok || bus.Len() != 0 {
		t.Fatalf("Detach left the subscriber open or the bus subscribed (%d)", bus.Len())
	}
	h.Detach("inst") // twice is harmless
}

func TestCloseEndsEverything(t *testing.T) {
	h := NewHub()
	bus := store.NewBus()
	h.Attach("a", bus, nil)
	h.Attach("a", bus, nil) // replaces the first feed
	if bus.Len() != 1 {
		t.Fatalf("bus has %d subscriptions, want 1", bus.Len())
	}
	s := h.Subscribe("b", 1)
	h.Close()
	if _, ok := <-s.C(); ok || bus.Len() != 0 || h.Subscribers("b") != 0 {
		t.Fatal("Close left something open")
	}
}
