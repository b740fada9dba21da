package follow

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

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

func bulk(t *testing.T, st store.Store, doctype string, n int, prefix string) {
	t.Helper()
	docs := make([]json.RawMessage, n)
	for i := range docs {
		docs[i] = json.RawMessage(fmt.Sprintf(`{"_id":"%s%05d","n":%d}`, prefix, i, i))
	}
	if _, err := st.DB(doctype).BulkDocs(context.Background(), docs, true); err != nil {
		t.Fatal(err)
	}
}

// recorder counts what a follower hands over, per doctype and id.
type recorder struct {
	mu   sync.Mutex
	seen map[string]int
	evs  []store.Event
	cond *sync.Cond
}

func newRecorder() *recorder {
	r := &recorder{seen: map[string]int{}}
	r.cond = sync.NewCond(&r.mu)
	return r
}

func (r *recorder) handle(ev store.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen[ev.Doctype+"/"+ev.Doc.ID+"/"+ev.Doc.Rev]++
	r.evs = append(r.evs, ev)
	r.cond.Broadcast()
}

// waitLen waits until n events were handed over; it fails after 20 s
// (the broadcast wakes it on every event, the timer only bounds a hang).
func (r *recorder) waitLen(t *testing.T, n int) {
	t.Helper()
	timer := time.AfterFunc(20*time.Second, func() {
		r.mu.Lock()
		r.cond.Broadcast()
		r.mu.Unlock()
	})
	defer timer.Stop()
	deadline := time.Now().Add(20 * time.Second)
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.evs) < n {
		if time.Now().After(deadline) {
			t.Fatalf("got %d events, want %d", len(r.evs), n)
		}
		r.cond.Wait()
	}
}

func (r *recorder) dups() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for k, n := range r.seen {
		if n != 1 {
			out = append(out, fmt.Sprintf("%s x%d", k, n))
		}
	}
	return out
}

func start(t *testing.T, st store.Store, opts Options, handle func(store.Event)) *Follower {
	t.Helper()
	f, err := New(context.Background(), st, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Run(ctx, handle)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return f
}

// TestBurstOverflowCatchesUp: a consumer held up while a 5,000-document
// bulk is published (far over its buffer of 16) still gets every document
// exactly once, then the live events that follow.
func TestBurstOverflowCatchesUp(t *testing.T) {
	st := openStore(t)
	bulk(t, st, "io.cozy.notes", 3, "old") // before New: never handed over
	rec := newRecorder()
	release := make(chan struct{})
	var once sync.Once
	f := start(t, st, Options{Buffer: 16}, func(ev store.Event) {
		once.Do(func() { <-release })
		rec.handle(ev)
	})
	bulk(t, st, "io.cozy.notes", 5000, "doc")
	close(release)
	rec.waitLen(t, 5000)
	if f.Resyncs() == 0 {
		t.Fatal("the follower was never dropped: the test did not overflow its buffer")
	}
	bulk(t, st, "io.cozy.notes", 10, "after")
	rec.waitLen(t, 5010)
	if d := rec.dups(); len(d) > 0 {
		t.Fatalf("handed over more than once: %v", d[:min(len(d), 5)])
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.evs) != 5010 {
		t.Fatalf("got %d events, want 5010", len(rec.evs))
	}
	for _, ev := range rec.evs {
		if ev.Verb != store.Created || len(ev.Doc.Body) == 0 || ev.Doc.ID[:3] == "old" {
			t.Fatalf("unexpected event %s %s %s", ev.Verb, ev.Doc.ID, ev.Doc.Body)
		}
	}
}

// TestCatchUpVerbsAndReplayFilter: replayed changes carry the verb of the
// document's state; doctypes Replay refuses are skipped, and a database
// created after New is followed from its start.
func TestCatchUpVerbsAndReplayFilter(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	notes := st.DB("io.cozy.notes")
	upd, err := notes.Put(ctx, store.Doc{ID: "u", Body: json.RawMessage(`{"v":1}`)}, store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	del, err := notes.Put(ctx, store.Doc{ID: "d", Body: json.RawMessage(`{"v":1}`)}, store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	release := make(chan struct{})
	var once sync.Once
	f := start(t, st, Options{Buffer: 1, Replay: func(dt string) bool { return dt != "io.cozy.ignored" }}, func(ev store.Event) {
		once.Do(func() { <-release })
		rec.handle(ev)
	})
	// The first event blocks the consumer, the second fills the buffer,
	// the third drops the subscription.
	if _, err := st.DB("io.cozy.first").Put(ctx, store.Doc{ID: "f", Body: json.RawMessage(`{}`)}, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := notes.Put(ctx, store.Doc{ID: "u", Rev: upd.Rev, Body: json.RawMessage(`{"v":2}`)}, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := notes.Delete(ctx, "d", del.Rev); err != nil {
		t.Fatal(err)
	}
	bulk(t, st, "io.cozy.ignored", 5, "i")
	bulk(t, st, "io.cozy.new", 2, "n")
	close(release)
	rec.waitLen(t, 5)
	verbs := map[string]store.Verb{}
	rec.mu.Lock()
	for _, ev := range rec.evs {
		verbs[ev.Doctype+"/"+ev.Doc.ID] = ev.Verb
	}
	rec.mu.Unlock()
	want := map[string]store.Verb{"io.cozy.first/f": store.Created, "io.cozy.notes/u": store.Updated,
		"io.cozy.notes/d": store.Deleted, "io.cozy.new/n00000": store.Created, "io.cozy.new/n00001": store.Created}
	for k, v := range want {
		if verbs[k] != v {
			t.Errorf("%s: verb %q, want %q (all: %v)", k, verbs[k], v, verbs)
		}
	}
	if f.Resyncs() == 0 {
		t.Fatal("no catch-up happened")
	}
	// After the catch-up, live events of the ignored doctype flow again.
	bulk(t, st, "io.cozy.ignored", 1, "live")
	rec.waitLen(t, 6)
	if d := rec.dups(); len(d) > 0 {
		t.Fatalf("handed over more than once: %v", d)
	}
}

// TestCloseEndsRun: Close makes Run return and releases the subscription.
func TestCloseEndsRun(t *testing.T) {
	st := openStore(t)
	f, err := New(context.Background(), st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Run(context.Background(), func(store.Event) {})
	}()
	f.Close()
	<-done
	if n := st.Events().Len(); n != 0 {
		t.Fatalf("%d subscriptions left", n)
	}
}

// TestUnnumberedEventsPass: an event without a sequence (a store that does
// not number its writes) is handed over as it comes.
func TestUnnumberedEventsPass(t *testing.T) {
	st := openStore(t)
	rec := newRecorder()
	start(t, st, Options{}, rec.handle)
	st.Events().Publish(store.Event{Doctype: "io.cozy.notes", Verb: store.Created, Doc: store.Doc{ID: "a", Rev: "1-a"}})
	st.Events().Publish(store.Event{Doctype: "io.cozy.notes", Verb: store.Updated, Doc: store.Doc{ID: "a", Rev: "2-a"}})
	rec.waitLen(t, 2)
}

// TestRecreatedDatabase: after a catch-up moved the cursor of a doctype,
// its database is destroyed and created again (DELETE /data/:doctype/):
// the new database's writes, numbered from 1 again, are handed over.
func TestRecreatedDatabase(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	rec := newRecorder()
	release := make(chan struct{})
	var once sync.Once
	f := start(t, st, Options{Buffer: 1}, func(ev store.Event) {
		once.Do(func() { <-release })
		rec.handle(ev)
	})
	bulk(t, st, "io.cozy.notes", 20, "old")
	close(release)
	rec.waitLen(t, 20)
	if f.Resyncs() == 0 {
		t.Fatal("no catch-up happened")
	}
	if err := st.DB("io.cozy.notes").Destroy(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := st.DB("io.cozy.notes").Put(ctx, store.Doc{ID: fmt.Sprintf("new%d", i), Body: json.RawMessage(`{}`)}, store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	rec.waitLen(t, 23)
	if d := rec.dups(); len(d) > 0 {
		t.Fatalf("handed over more than once: %v", d)
	}
}
