package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestEventTriggerBurstMissesNothing (finding 5): a 5,000-document bulk
// published while the broker's event listener is held up, far past its
// buffer of 64, still queues exactly one job per document: the listener
// catches up from the store's changes instead of losing events.
func TestEventTriggerBurstMissesNothing(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	b := startBroker(t, st, Config{Workers: map[string]Worker{"client": ClientWorker()}, EventBuffer: 64})
	tr := &Trigger{Type: TypeEvent, Arguments: "io.cozy.notes:CREATED", Worker: "client"}
	if err := b.AddTrigger(context.Background(), tr); err != nil {
		t.Fatal(err)
	}
	docs := make([]json.RawMessage, 5000)
	for i := range docs {
		docs[i] = json.RawMessage(fmt.Sprintf(`{"_id":"n%05d"}`, i))
	}
	// Holding the broker's lock blocks the listener in onEvent, as a busy
	// machine would: the bus then drops its subscription.
	b.mu.Lock()
	_, err := st.DB("io.cozy.notes").BulkDocs(context.Background(), docs, true)
	b.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	// One job per document is a write each: poll the job count cheaply,
	// with a bound generous enough for -race on a loaded machine.
	jobs := func() int64 {
		info, err := st.DB(JobsDoctype).Info(context.Background())
		if err != nil {
			return 0
		}
		return info.DocCount
	}
	deadline := time.Now().Add(3 * time.Minute)
	for jobs() < 5000 {
		if time.Now().After(deadline) {
			t.Fatalf("%d event jobs after 3 minutes, want 5000", jobs())
		}
		time.Sleep(50 * time.Millisecond)
	}
	seen := map[string]bool{}
	js, err := b.Jobs(context.Background(), func(j *Job) bool { return j.TriggerID == tr.ID }, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range js {
		var ev Event
		if err := json.Unmarshal(j.Event, &ev); err != nil {
			t.Fatal(err)
		}
		id, _ := selectValue(ev.Doc, "_id").(string)
		if seen[id] || ev.Verb != "CREATED" {
			t.Fatalf("document %q fired twice or with verb %s", id, ev.Verb)
		}
		seen[id] = true
	}
	if len(seen) != 5000 {
		t.Fatalf("%d documents fired the trigger, want 5000", len(seen))
	}
}
