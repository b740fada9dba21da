package instance_test

import (
	"context"
	"sync"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/vfs"
)

// TestVFSOnePerInstance: concurrent callers share one file system per
// instance, which follows the instance's current quota.
func TestVFSOnePerInstance(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, t.TempDir())
	defer m.Close()
	a, b := mustCreate(t, m, "a.example"), mustCreate(t, m, "b.example")
	got := make([]*vfs.FS, 6)
	var wg sync.WaitGroup
	for i := range got {
		inst := a
		if i%2 == 1 {
			inst = b
		}
		wg.Go(func() {
			fs, err := m.VFS(ctx, inst)
			if err != nil {
				t.Error(err)
			}
			got[i] = fs
		})
	}
	wg.Wait()
	if got[0] == nil || got[0] != got[2] || got[0] != got[4] || got[1] != got[3] || got[0] == got[1] {
		t.Fatal("not one file system per instance")
	}
	a, err := m.Update(ctx, "a.example", func(i *instance.Instance) error { i.DiskQuota = 1 << 20; return nil })
	if err != nil {
		t.Fatal(err)
	}
	fs, err := m.VFS(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, quota := fs.Usage(); fs != got[0] || quota != 1<<20 {
		t.Fatalf("quota %d after update", quota)
	}
}
