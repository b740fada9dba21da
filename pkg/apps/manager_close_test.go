package apps_test

import (
	"errors"
	"testing"

	"github.com/cozypi/cozy/pkg/apps"
)

// TestCloseWaitsAndRefuses checks that Close waits for the background end
// of an install and that the manager refuses new operations afterwards.
func TestCloseWaitsAndRefuses(t *testing.T) {
	e := newEnv(t)
	dir := writeDir(t, map[string]string{"manifest.webapp": manifestV("1.0.0", "{}"), "index.html": "v1"})
	op, err := e.mgr.Install(e.ctx, e.inst, apps.Request{Kind: apps.Webapp, Slug: "testapp", Source: "file://" + dir, PermissionsAcked: true})
	if err != nil {
		t.Fatal(err)
	}
	e.mgr.Close()
	select {
	case <-op.Done():
	default:
		t.Fatal("Close returned before the install ended")
	}
	_, err = e.mgr.Install(e.ctx, e.inst, apps.Request{Kind: apps.Webapp, Slug: "second", Source: "file://" + dir, PermissionsAcked: true})
	if !errors.Is(err, apps.ErrClosed) {
		t.Fatalf("install after Close: %v", err)
	}
	if _, err := e.mgr.Update(e.ctx, e.inst, apps.Request{Kind: apps.Webapp, Slug: "testapp", Source: "file://" + dir}); !errors.Is(err, apps.ErrClosed) {
		t.Fatalf("update after Close: %v", err)
	}
	e.mgr.Close() // twice is fine
}
