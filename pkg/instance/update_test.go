package instance_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
)

// TestUpdateBlocksNoReader: while a change of A is running (as a
// passphrase hash would), Get, List, the update of B and the creation of C
// go on; a second update of A waits and then sees the first one's result.
func TestUpdateBlocksNoReader(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, t.TempDir())
	defer m.Close()
	mustCreate(t, m, "a.example")
	mustCreate(t, m, "b.example")

	entered, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		_, err := m.Update(ctx, "a.example", func(i *instance.Instance) error {
			close(entered)
			<-release
			i.Email = "first@example.org"
			return nil
		})
		first <- err
	}()
	wait(t, "first change of A", entered)
	second := make(chan *instance.Instance, 1)
	go func() {
		next, err := m.Update(ctx, "a.example", func(i *instance.Instance) error {
			i.PublicName = i.Email // sees the first update
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		second <- next
	}()

	others := make(chan error, 1)
	go func() {
		if _, err := m.Get("a.example"); err != nil {
			others <- err
			return
		}
		if n := len(m.List()); n != 2 {
			t.Errorf("listed %d", n)
		}
		if _, err := m.Update(ctx, "b.example", func(i *instance.Instance) error { i.Locale = "fr"; return nil }); err != nil {
			others <- err
			return
		}
		_, err := m.Create(ctx, instance.Options{Domain: "c.example"})
		others <- err
	}()
	if err := wait(t, "readers and other instances while A changes", others); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := wait(t, "first update", first); err != nil {
		t.Fatal(err)
	}
	got := wait(t, "second update", second)
	if got == nil || got.PublicName != "first@example.org" || got.Version != 3 {
		t.Fatalf("second update: %+v", got)
	}
}

func TestUpdateRefusesDomainAndBadQuota(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, t.TempDir())
	defer m.Close()
	a := mustCreate(t, m, "a.example")
	for name, change := range map[string]func(*instance.Instance) error{
		"domain": func(i *instance.Instance) error { i.Domain = "x.example"; return nil },
		"id":     func(i *instance.Instance) error { i.ID = "x"; return nil },
		"quota":  func(i *instance.Instance) error { i.DiskQuota = -1; return nil },
	} {
		if _, err := m.Update(ctx, "a.example", change); !errors.Is(err, instance.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := m.Update(ctx, "nobody.example", func(*instance.Instance) error { return nil }); !errors.Is(err, instance.ErrNotFound) {
		t.Fatalf("unknown domain: %v", err)
	}
	if got, _ := m.Get("a.example"); got != a {
		t.Fatal("a refused update was published")
	}
}
