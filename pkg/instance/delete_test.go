package instance_test

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
)

// TestDeleteDuringUpdate: an update running when its instance is deleted
// fails, and does not bring the instance back, in memory or on disk.
func TestDeleteDuringUpdate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	m := newManager(t, dir)
	mustCreate(t, m, "a.example")
	entered, release := make(chan struct{}), make(chan struct{})
	updated := make(chan error, 1)
	go func() {
		_, err := m.Update(ctx, "a.example", func(i *instance.Instance) error {
			close(entered)
			<-release
			i.Locale = "fr"
			return nil
		})
		updated <- err
	}()
	wait(t, "change of A", entered)
	deleted := make(chan error, 1)
	go func() { deleted <- m.Delete(ctx, "a.example") }()
	withdrawn := make(chan struct{})
	go func() {
		for {
			if _, err := m.Get("a.example"); errors.Is(err, instance.ErrNotFound) {
				close(withdrawn)
				return
			}
			runtime.Gosched()
		}
	}()
	wait(t, "Delete withdraws A", withdrawn)
	if _, err := m.Create(ctx, instance.Options{Domain: "a.example"}); !errors.Is(err, instance.ErrExists) {
		t.Fatalf("domain created again while being deleted: %v", err)
	}
	close(release)
	if err := wait(t, "update", updated); !errors.Is(err, instance.ErrNotFound) {
		t.Fatalf("update of a deleted instance: %v", err)
	}
	if err := wait(t, "delete", deleted); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Get("a.example"); !errors.Is(err, instance.ErrNotFound) {
		t.Fatalf("resurrected in memory: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m = newManager(t, dir)
	defer m.Close()
	if _, err := m.Get("a.example"); !errors.Is(err, instance.ErrNotFound) {
		t.Fatalf("resurrected on disk: %v", err)
	}
	if _, err := m.Create(ctx, instance.Options{Domain: "a.example"}); err != nil {
		t.Fatalf("domain not free after delete: %v", err)
	}
}

func TestDeleteUnknown(t *testing.T) {
	m := newManager(t, t.TempDir())
	defer m.Close()
	for _, d := range []string{"nobody.example", "bad domain"} {
		if err := m.Delete(context.Background(), d); !errors.Is(err, instance.ErrNotFound) {
			t.Errorf("%q: %v", d, err)
		}
	}
}
