package jobs

import (
	"context"
	"fmt"
	"sync"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/store"
)

// Opener opens an instance's store (instance.Manager does).
type Opener interface {
	Store(inst *instance.Instance) (store.Store, error)
}

// Manager keeps one Broker per instance whose store is open.
type Manager struct {
	cfg    Config
	opener Opener
	mu     sync.Mutex
	byID   map[string]*Broker
}

// NewManager returns a manager; register Attach with
// instance.Manager.OnStoreOpen and Detach with OnDelete.
func NewManager(cfg Config, opener Opener) *Manager {
	return &Manager{cfg: cfg, opener: opener, byID: map[string]*Broker{}}
}

// Attach starts the broker of an instance whose store just opened.
func (m *Manager) Attach(inst *instance.Instance, st store.Store) {
	b := NewBroker(inst, st, m.cfg)
	if err := b.Start(context.Background()); err != nil {
		b.cfg.Log.Error("jobs: broker not started", "error", err)
		return
	}
	m.mu.Lock()
	old := m.byID[inst.ID]
	m.byID[inst.ID] = b
	m.mu.Unlock()
	if old != nil {
		old.Close()
	}
}

// Detach stops the broker of an instance (on deletion).
func (m *Manager) Detach(inst *instance.Instance) {
	m.mu.Lock()
	b := m.byID[inst.ID]
	delete(m.byID, inst.ID)
	m.mu.Unlock()
	if b != nil {
		b.Close()
	}
}

// For returns the broker of an instance, opening its store if needed.
func (m *Manager) For(inst *instance.Instance) (*Broker, error) {
	if _, err := m.opener.Store(inst); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.byID[inst.ID]
	if !ok {
		return nil, fmt.Errorf("%w: no broker for %s", ErrClosed, inst.Domain)
	}
	return b, nil
}

// Close stops every broker.
func (m *Manager) Close() {
	m.mu.Lock()
	bs := m.byID
	m.byID = map[string]*Broker{}
	m.mu.Unlock()
	for _, b := range bs {
		b.Close()
	}
}
