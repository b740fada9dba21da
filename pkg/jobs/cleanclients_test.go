package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/store"
)

type fakeClients struct {
	mu      sync.Mutex
	pending map[string]bool
}

func (f *fakeClients) DeleteIfPending(_ context.Context, _ *instance.Instance, id string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id == "broken" {
		return false, errors.New("store down")
	}
	p, ok := f.pending[id]
	if ok && p {
		delete(f.pending, id)
	}
	return ok && p, nil
}

func TestCleanClientsWorker(t *testing.T) {
	clients := &fakeClients{pending: map[string]bool{"unused": true, "used": false}}
	w := CleanClientsWorker(clients)
	w.MaxExecCount = 1
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	b := startBroker(t, st, Config{Workers: map[string]Worker{CleanClientsWorkerName: w}})
	tests := []struct {
		msg     string
		state   State
		errPart string
		logs    int
	}{
		{`{"client_id":"unused"}`, Done, "", 1},
		{`{"client_id":"used"}`, Done, "", 0},
		{`{"client_id":"gone"}`, Done, "", 0},
		{`{"client_id":"broken"}`, Errored, "store down", 0},
		{`{}`, Errored, "client_id", 0},
	}
	for _, tc := range tests {
		j, err := b.Push(context.Background(), Request{Worker: CleanClientsWorkerName, Message: json.RawMessage(tc.msg)})
		if err != nil {
			t.Fatal(err)
		}
		got := waitState(t, b, j.ID, tc.state)
		if !strings.Contains(got.Error, tc.errPart) || len(got.Logs) != tc.logs {
			t.Errorf("%s: error %q logs %v", tc.msg, got.Error, got.Logs)
		}
	}
	_, unused := clients.pending["unused"]
	if _, used := clients.pending["used"]; unused || !used {
		t.Fatalf("clients left %v", clients.pending)
	}
}

// TestCleanClientsScheduledAtRegistration: a client written pending gets an
// @in 1h trigger; when the hour has passed on the clock, the worker runs
// and deletes it. A client written not pending gets none.
func TestCleanClientsScheduledAtRegistration(t *testing.T) {
	clock := NewManualClock(t0)
	clients := &fakeClients{pending: map[string]bool{"c-pending": true}}
	st := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	b := startBroker(t, st, Config{Workers: map[string]Worker{CleanClientsWorkerName: CleanClientsWorker(clients)}, Clock: clock})
	ctx := context.Background()
	db := st.DB(ClientsDoctype)
	for id, pending := range map[string]bool{"c-pending": true, "c-owner": false} {
		body, _ := json.Marshal(map[string]any{"client_id": id, "pending": pending})
		if _, err := db.Put(ctx, store.Doc{ID: id, Body: body}, store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	cleaners := func() []*Trigger {
		ts, err := b.Triggers(ctx, func(tr *Trigger) bool { return tr.Worker == CleanClientsWorkerName })
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	waitFor(t, "one clean-clients trigger", func() bool { return len(cleaners()) == 1 })
	tr := cleaners()[0]
	if tr.Type != "@in" || !strings.Contains(string(tr.Message), "c-pending") {
		t.Fatalf("trigger %+v", tr)
	}
	// AddTrigger stores the trigger, then arms it: the document is visible
	// before its timer exists. Advancing the clock in between would leave
	// the timer registered with a due time already past, which a
	// ManualClock only runs at a later Advance, so wait for the arming.
	waitFor(t, "the clean-clients trigger armed", func() bool { return b.armedTimer(tr.ID) })
	clock.Advance(CleanClientsDelay - time.Minute)
	clients.mu.Lock()
	_, still := clients.pending["c-pending"]
	clients.mu.Unlock()
	if !still {
		t.Fatal("deleted before the hour")
	}
	clock.Advance(2 * time.Minute)
	waitFor(t, "the pending client deleted", func() bool {
		clients.mu.Lock()
		defer clients.mu.Unlock()
		_, still := clients.pending["c-pending"]
		return !still
	})
}
