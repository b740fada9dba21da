package instance_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
)

// TestCreateOneWinner: of concurrent creations of one domain, exactly one
// succeeds, and only its directory exists.
func TestCreateOneWinner(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	m := newManager(t, dir)
	defer m.Close()
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = m.Create(ctx, instance.Options{Domain: "a.example"}) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, instance.ErrExists):
			t.Fatal(err)
		}
	}
	if won != 1 {
		t.Fatalf("%d creations of one domain succeeded", won)
	}
	dirs, err := os.ReadDir(filepath.Join(dir, "instances"))
	if err != nil || len(dirs) != 1 {
		t.Fatalf("instance directories %v %v", dirs, err)
	}
}

// TestCreateRollsBack: a creation whose directory cannot be made leaves
// the domain free and nothing published.
func TestCreateRollsBack(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	m := newManager(t, dir)
	defer m.Close()
	// A file where the instances' directory should be: MkdirAll fails.
	if err := os.RemoveAll(filepath.Join(dir, "instances")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "instances"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create(ctx, instance.Options{Domain: "a.example"}); err == nil {
		t.Fatal("created without a directory")
	}
	if _, err := m.Get("a.example"); !errors.Is(err, instance.ErrNotFound) {
		t.Fatalf("published after a failure: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, "instances")); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create(ctx, instance.Options{Domain: "a.example"}); err != nil {
		t.Fatalf("domain still reserved: %v", err)
	}
}

func TestCreateRefusesBadOptions(t *testing.T) {
	m := newManager(t, t.TempDir())
	defer m.Close()
	if _, err := m.Create(context.Background(), instance.Options{Domain: "a b"}); !errors.Is(err, instance.ErrInvalidDomain) {
		t.Errorf("bad domain: %v", err)
	}
	if _, err := m.Create(context.Background(), instance.Options{Domain: "a.example", DiskQuota: -1}); !errors.Is(err, instance.ErrInvalid) {
		t.Errorf("negative quota: %v", err)
	}
}
