package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/store/bolt"
)

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "s.db"), bolt.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func attach(t *testing.T, h *Hub, id string, st store.Store) {
	t.Helper()
	if err := h.Attach(id, st, nil); err != nil {
		t.Fatal(err)
	}
}

func TestAttachForwardsStoreEvents(t *testing.T) {
	h := NewHub()
	st := openStore(t)
	attach(t, h, "inst", st)
	s := h.Subscribe("inst", 8)
	s.Watch("io.cozy.notes", "")
	ctx := context.Background()
	db := st.DB("io.cozy.notes")
	res, err := db.Put(ctx, store.Doc{ID: "a", Body: json.RawMessage(`{"n":1}`)}, store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res2, err := db.Put(ctx, store.Doc{ID: "a", Rev: res.Rev, Body: json.RawMessage(`{"n":2}`)}, store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Delete(ctx, "a", res2.Rev); err != nil {
		t.Fatal(err)
	}
	for _, v := range []store.Verb{store.Created, store.Updated, store.Deleted} {
		ev := <-s.C()
		if ev.Verb != string(v) || ev.ID != "a" || ev.Doctype != "io.cozy.notes" {
			t.Fatalf("got %+v for %s", ev, v)
		}
	}
	h.Detach("inst")
	if _, ok := <-s.C(); ok || st.Events().Len() != 0 {
		t.Fatalf("Detach left the subscriber open or the bus subscribed (%d)", st.Events().Len())
	}
	h.Detach("inst") // twice is harmless
}

func TestCloseEndsEverything(t *testing.T) {
	h := NewHub()
	st := openStore(t)
	attach(t, h, "a", st)
	attach(t, h, "a", st) // replaces the first feed
	if st.Events().Len() != 1 {
		t.Fatalf("bus has %d subscriptions, want 1", st.Events().Len())
	}
	s := h.Subscribe("b", 1)
	h.Close()
	if _, ok := <-s.C(); ok || st.Events().Len() != 0 || h.Subscribers("b") != 0 {
		t.Fatal("Close left something open")
	}
}

// TestFeedBurstLosesNothing (finding 5): the feed of a store is held up
// while a 5,000-document bulk is published, far past its buffer; it
// catches up from the changes feed, so a subscriber with room for them
// gets every document once.
func TestFeedBurstLosesNothing(t *testing.T) {
	h := NewHub()
	h.FeedBuffer = 16
	st := openStore(t)
	attach(t, h, "inst", st)
	t.Cleanup(h.Close)
	s := h.Subscribe("inst", 6000)
	s.Watch("io.cozy.notes", "")
	// Holding the subscriber's lock blocks the feed in Publish (offer),
	// as a slow machine would: the bus then drops the feed.
	s.mu.Lock()
	docs := make([]json.RawMessage, 5000)
	for i := range docs {
		docs[i] = json.RawMessage(fmt.Sprintf(`{"_id":"d%05d"}`, i))
	}
	if _, err := st.DB("io.cozy.notes").BulkDocs(context.Background(), docs, true); err != nil {
		s.mu.Unlock()
		t.Fatal(err)
	}
	s.mu.Unlock()
	seen := map[string]bool{}
	for len(seen) < 5000 {
		ev, ok := <-s.C()
		if !ok {
			t.Fatalf("subscriber dropped after %d events", len(seen))
		}
		if seen[ev.ID] {
			t.Fatalf("%s delivered twice", ev.ID)
		}
		seen[ev.ID] = true
	}
	if n := len(s.C()); n != 0 {
		t.Fatalf("%d extra events", n)
	}
}

// TestDesignDocsAreNotPublished: creating a Mango index writes a design
// document; upstream sends no event for it (before: a CREATED event for
// "_design/..." reached the watchers of the doctype).
func TestDesignDocsAreNotPublished(t *testing.T) {
	h := NewHub()
	t.Cleanup(h.Close)
	st := openStore(t)
	attach(t, h, "inst", st)
	s := h.Subscribe("inst", 8)
	s.Watch("io.cozy.files", "")
	ctx := context.Background()
	if _, err := st.DB("io.cozy.files").CreateIndex(ctx, json.RawMessage(`{"index":{"fields":["dir_id"]},"ddoc":"by-dir"}`)); err != nil {
		t.Fatal(err)
	}
	// A document written after the index: its event is the first one.
	if _, err := st.DB("io.cozy.files").Put(ctx, store.Doc{ID: "f1", Body: json.RawMessage(`{"dir_id":"x"}`)}, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	ev := <-s.C()
	if ev.ID != "f1" || ev.Verb != Created {
		t.Fatalf("first event is %s %s, want CREATED f1 (no event for the design document)", ev.Verb, ev.ID)
	}
}
