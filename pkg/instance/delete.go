package instance

import (
	"context"
	"fmt"
	"os"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Delete removes an instance and all its data.
//
// The instance is first withdrawn (Get no longer returns it, its store no
// longer opens, its domain cannot be created again until the end), then
// the OnDelete hooks run, its store closes, its registry entry and its
// directory go, all without holding the manager's lock. If the registry
// entry cannot be removed, the instance is published again.
func (m *Manager) Delete(ctx context.Context, domain string) error {
	inst, entry, hooks, err := m.withdraw(domain)
	if err != nil {
		return err
	}
	if entry != nil {
		<-entry.ready // an open in flight ends (and its hooks run) before OnDelete's
	}
	for _, f := range hooks {
		f(inst)
	}
	if entry != nil {
		if err := entry.close(); err != nil {
			m.log.WarnContext(ctx, "closing the store of a deleted instance", "domain", inst.Domain, "error", err)
		}
	}
	w := m.writer(inst.ID)
	w.Lock() // an Update in flight has saved by then: its entry goes too
	err = m.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketInstances).Delete([]byte(inst.ID)) })
	w.Unlock()
	m.mu.Lock()
	delete(m.reserved, inst.Domain)
	if err != nil {
		m.byDomain[inst.Domain] = inst
	} else {
		delete(m.writers, inst.ID)
	}
	m.mu.Unlock()
	if err != nil {
		m.stores.revive(inst.ID)
		return fmt.Errorf("instance: delete %s: %w", inst.Domain, err)
	}
	if err := os.RemoveAll(m.Dir(inst)); err != nil {
		return fmt.Errorf("instance: remove data of %s: %w", inst.Domain, err)
	}
	m.log.InfoContext(ctx, "instance deleted", "domain", inst.Domain, "id", inst.ID)
	return nil
}

// withdraw unmaps the instance of domain, refuses its store from now on
// (both at once: no caller sees one without the other) and keeps its domain
// reserved until Delete ends. It returns the instance, its store entry if
// any (maybe still opening) and the OnDelete hooks to run.
func (m *Manager) withdraw(domain string) (*Instance, *storeEntry, []func(*Instance), error) {
	d, err := NormalizeDomain(domain)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %s", ErrNotFound, domain)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	inst := m.byDomain[d]
	if inst == nil {
		return nil, nil, nil, fmt.Errorf("%w: %s", ErrNotFound, d)
	}
	delete(m.byDomain, d)
	m.reserved[d] = true
	return inst, m.stores.forget(inst.ID), slices.Clone(m.onDelete), nil
}
