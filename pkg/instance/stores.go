package instance

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/store/bolt"
	"github.com/cozypi/cozy/pkg/vfs"
)

// stores opens each instance's document store on first use and keeps it
// open: a bbolt file costs one mmap and a file lock, and opening it again
// per request would throw its page cache away.
type stores struct {
	mu     sync.Mutex
	open   map[string]store.Store // by instance id
	vfs    map[string]*vfs.FS     // by instance id, over the store above
	onOpen []func(*Instance, store.Store)
}

// OnStoreOpen registers f, called once for each instance's store when it
// opens (to subscribe to its events).
func (m *Manager) OnStoreOpen(f func(*Instance, store.Store)) {
	m.stores.mu.Lock()
	defer m.stores.mu.Unlock()
	m.stores.onOpen = append(m.stores.onOpen, f)
}

// Store returns the document store of inst, opening it if needed.
func (m *Manager) Store(inst *Instance) (store.Store, error) {
	m.stores.mu.Lock()
	defer m.stores.mu.Unlock()
	if s, ok := m.stores.open[inst.ID]; ok {
		return s, nil
	}
	s, err := bolt.Open(filepath.Join(m.Dir(inst), "store.db"), bolt.Options{Logger: m.log.With("instance", inst.Domain)})
	if err != nil {
		return nil, fmt.Errorf("instance %s: %w", inst.Domain, err)
	}
	if m.stores.open == nil {
		m.stores.open = map[string]store.Store{}
	}
	m.stores.open[inst.ID] = s
	for _, f := range m.stores.onOpen {
		f(inst, s)
	}
	return s, nil
}

// closeStore closes the store of inst if it is open.
func (m *Manager) closeStore(inst *Instance) error {
	m.stores.mu.Lock()
	defer m.stores.mu.Unlock()
	s, ok := m.stores.open[inst.ID]
	if !ok {
		return nil
	}
	delete(m.stores.open, inst.ID)
	delete(m.stores.vfs, inst.ID)
	return s.Close()
}

// closeStores closes every open store.
func (m *Manager) closeStores() error {
	m.stores.mu.Lock()
	defer m.stores.mu.Unlock()
	var errs []error
	for id, s := range m.stores.open {
		errs = append(errs, s.Close())
		delete(m.stores.open, id)
		delete(m.stores.vfs, id)
	}
	return errors.Join(errs...)
}
