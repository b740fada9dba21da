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
// its disk usage count. Opening it (which counts the disk usage) holds
// only this instance's lock.
func (m *Manager) VFS(ctx context.Context, inst *Instance) (*vfs.FS, error) {
	e, err := m.storeEntry(inst)
	if err != nil {
		return nil, err
	}
	e.fsMu.Lock()
	defer e.fsMu.Unlock()
	if e.fs == nil {
		fs, err := vfs.Open(ctx, e.st, vfs.Options{
			Dir:    filepath.Join(m.Dir(inst), "files"),
			Origin: inst.URL(),
			Quota:  inst.DiskQuota,
			// The attachments of /data documents count against the quota.
			OtherUsage: e.st.AttachmentBytes,
			Log:        m.log.With("domain", inst.Domain),
		})
		if err != nil {
			return nil, fmt.Errorf("instance %s: open files: %w", inst.Domain, err)
		}
		e.fs = fs
	}
	e.fs.SetQuota(inst.DiskQuota) // the quota may have changed since (instances modify)
	return e.fs, nil
}

// attachmentRoom returns the bytes new attachment contents of the instance
// of domain may take: its disk quota less what its files and attachments
// use, or -1 without a quota. It opens the instance's VFS (which counts
// the files) if needed, with the instance as it is now.
func (m *Manager) attachmentRoom(domain string) int64 {
	inst, err := m.Get(domain)
	if err != nil || inst.DiskQuota <= 0 {
		return -1 // a deleted instance's writes fail on their own
	}
	fs, err := m.VFS(context.Background(), inst)
	if err != nil {
		m.log.Warn("attachments: cannot count the files against the quota", "domain", domain, "error", err)
		return 0 // refuse rather than exceed the quota
	}
	return max(0, inst.DiskQuota-fs.Counted())
}
