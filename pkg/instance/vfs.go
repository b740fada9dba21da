package instance

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/cozypi/cozy/pkg/vfs"
)

// VFS returns the virtual file system of inst, opening it on first use.
// There is one per instance in the process, so that everything touching
// files (the /files API, settings, workers) shares its metadata lock and
// its disk usage count.
func (m *Manager) VFS(ctx context.Context, inst *Instance) (*vfs.FS, error) {
	st, err := m.Store(inst)
	if err != nil {
		return nil, err
	}
	m.stores.mu.Lock()
	defer m.stores.mu.Unlock()
	fs, ok := m.stores.vfs[inst.ID]
	if !ok {
		fs, err = vfs.Open(ctx, st, vfs.Options{Dir: filepath.Join(m.Dir(inst), "files"), Domain: inst.Domain, Quota: inst.DiskQuota})
		if err != nil {
			return nil, fmt.Errorf("instance %s: open files: %w", inst.Domain, err)
		}
		if m.stores.vfs == nil {
			m.stores.vfs = map[string]*vfs.FS{}
		}
		m.stores.vfs[inst.ID] = fs
	}
	fs.SetQuota(inst.DiskQuota) // the quota may have changed since (instances modify)
	return fs, nil
}
