package instance

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"

	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/store/bolt"
	"github.com/cozypi/cozy/pkg/vfs"
)

// stores opens each instance's document store on first use and keeps it
// open: a bbolt file costs one mmap and a file lock, and opening it again
// per request would throw its page cache away.
//
// Its mutex guards the maps only: the first caller for an instance opens
// the store and runs the OnStoreOpen hooks without it, while later callers
// for that instance wait for that one open (and no other).
type stores struct {
	mu     sync.Mutex             // taken after Manager.mu when both are held
	open   map[string]*storeEntry // by instance id
	gone   map[string]bool        // ids of deleted instances: never opened again
	closed bool                   // the manager is closing
	onOpen []func(*Instance, store.Store)
}

// storeEntry is the store of one instance, once ready is closed.
type storeEntry struct {
	ready chan struct{} // closed when the open and its hooks are done
	st    store.Store   // set before ready closes, when the open succeeded
	err   error         // set before ready closes, when it failed

	fsMu sync.Mutex // serialises the opening of fs
	fs   *vfs.FS
}

func (s *stores) init() {
	s.open = map[string]*storeEntry{}
	s.gone = map[string]bool{}
}

// OnStoreOpen registers f, called once for each instance's store when it
// opens (to subscribe to its events), before any caller gets the store.
func (m *Manager) OnStoreOpen(f func(*Instance, store.Store)) {
	m.stores.mu.Lock()
	defer m.stores.mu.Unlock()
	m.stores.onOpen = append(m.stores.onOpen, f)
}

// Store returns the document store of inst, opening it if needed. It
// fails with ErrNotFound once inst is being deleted.
func (m *Manager) Store(inst *Instance) (store.Store, error) {
	e, err := m.storeEntry(inst)
	if err != nil {
		return nil, err
	}
	return e.st, nil
}

// storeEntry returns the opened entry of inst, opening it if this caller
// is the first.
func (m *Manager) storeEntry(inst *Instance) (*storeEntry, error) {
	s := &m.stores
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return nil, fmt.Errorf("instance %s: %w", inst.Domain, ErrClosed)
	case s.gone[inst.ID]:
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %s", ErrNotFound, inst.Domain)
	}
	e, found := s.open[inst.ID]
	var hooks []func(*Instance, store.Store)
	if !found {
		e = &storeEntry{ready: make(chan struct{})}
		s.open[inst.ID] = e
		hooks = slices.Clone(s.onOpen) // only on first use: Store runs on every request
	}
	s.mu.Unlock()
	if found {
		<-e.ready
	} else {
		m.openStore(inst, e, hooks)
	}
	if e.err != nil {
		return nil, e.err
	}
	return e, nil
}

// openStore opens the store of e and runs the hooks, then releases the
// callers waiting for e. A failed open is forgotten, to be tried again.
func (m *Manager) openStore(inst *Instance, e *storeEntry, hooks []func(*Instance, store.Store)) {
	defer close(e.ready) // even if a hook panics: waiters must not hang
	st, err := bolt.Open(filepath.Join(m.Dir(inst), "store.db"), bolt.Options{Logger: m.log.With("instance", inst.Domain)})
	if err != nil {
		e.err = fmt.Errorf("instance %s: %w", inst.Domain, err)
		m.stores.mu.Lock()
		if m.stores.open[inst.ID] == e {
			delete(m.stores.open, inst.ID)
		}
		m.stores.mu.Unlock()
		return
	}
	st.LimitAttachments(func() int64 { return m.attachmentRoom(inst.Domain) })
	e.st = st
	for _, f := range hooks {
		f(inst, st)
	}
}

// forget refuses every later store of instance id and takes its entry
// out (it may still be opening: the caller waits for ready, then closes
// it). Called under the manager's mu, which is always taken first.
func (s *stores) forget(id string) *storeEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone[id] = true
	e := s.open[id]
	delete(s.open, id)
	return e
}

// revive undoes forget, for a deletion that failed.
func (s *stores) revive(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.gone, id)
}

// closeStores refuses every later store and closes the open ones.
func (m *Manager) closeStores() error {
	s := &m.stores
	s.mu.Lock()
	s.closed = true
	entries := s.open
	s.open = map[string]*storeEntry{}
	s.mu.Unlock()
	var errs []error
	for _, e := range entries {
		<-e.ready
		errs = append(errs, e.close())
	}
	return errors.Join(errs...)
}

// close stops the entry's file system (its thumbnail worker and sweep
// write to the store) and then closes its store. The caller has waited
// for ready.
func (e *storeEntry) close() error {
	e.fsMu.Lock()
	fs := e.fs
	e.fs = nil
	e.fsMu.Unlock()
	var errs []error
	if fs != nil {
		errs = append(errs, fs.Close())
	}
	if e.st != nil {
		errs = append(errs, e.st.Close())
	}
	return errors.Join(errs...)
}
