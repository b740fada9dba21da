package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
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
