package instance

import (
	"context"
	"fmt"
	"time"
)

// Update applies change to a copy of the instance and saves it. The domain
// and secrets cannot be changed here.
//
// Updates of one instance run one after the other (change sees the result
// of the previous one), under that instance's own mutex: readers (Get,
// List) and other instances never wait for change or for the disk.
func (m *Manager) Update(ctx context.Context, domain string, change func(*Instance) error) (*Instance, error) {
	first, err := m.Get(domain)
	if err != nil {
		return nil, err
	}
	w := m.writer(first.ID)
	w.Lock()
	defer w.Unlock()
	// The latest version, now that no other write of this instance runs.
	cur, err := m.Get(first.Domain)
	if err != nil || cur.ID != first.ID {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, first.Domain)
	}
	next := *cur
	if err := change(&next); err != nil {
		return nil, err
	}
	if next.ID != cur.ID || next.Domain != cur.Domain {
		return nil, fmt.Errorf("%w: id and domain cannot change", ErrInvalid)
	}
	if next.DiskQuota < 0 {
		return nil, fmt.Errorf("%w: disk quota must not be negative", ErrInvalid)
	}
	next.Version = cur.Version + 1
	next.UpdatedAt = time.Now().UTC().Truncate(time.Second)
	if err := m.save(&next); err != nil {
		return nil, err
	}
	m.mu.Lock()
	published := m.byDomain[cur.Domain] == cur
	if published {
		m.byDomain[cur.Domain] = &next
	}
	m.mu.Unlock()
	if !published {
		// Deleted meanwhile: Delete removes the saved entry once we return.
		return nil, fmt.Errorf("%w: %s", ErrNotFound, cur.Domain)
	}
	return &next, nil
}
