package apps

import (
	"context"
	"errors"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
)

// TestCloseCancelsBackgroundWork checks that the manager owns the end of
// an install: Close cancels its context, waits for it, and the app's
// lock is released.
func TestCloseCancelsBackgroundWork(t *testing.T) {
	m := &Manager{}
	inst := &instance.Instance{ID: "inst"}
	req := Request{Kind: Webapp, Slug: "testapp"}
	if err := m.lock(inst, req.Kind, req.Slug); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	op := m.start(inst, req, &App{Slug: req.Slug}, &staged{}, func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	<-started
	m.Close()
	select {
	case <-op.Done():
	default:
		t.Fatal("Close returned before the operation ended")
	}
	if _, err := op.Wait(); !errors.Is(err, context.Canceled) {
		t.Fatalf("the operation ended with %v", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.busy) != 0 {
		t.Fatalf("locks left: %v", m.busy)
	}
}
