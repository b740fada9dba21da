package instance

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cozypi/cozy/pkg/passhash"
	bolt "go.etcd.io/bbolt"
)

// Errors of the manager.
var (
	ErrNotFound      = errors.New("instance not found")
	ErrExists        = errors.New("instance already exists")
	ErrInvalidDomain = errors.New("invalid domain")
	ErrInvalid       = errors.New("invalid instance attribute")
	// ErrClosed is returned for a store asked of a manager being closed.
	ErrClosed = errors.New("instance manager closed")
)

var bucketInstances = []byte("instances")

// Manager keeps the registry of instances.
//
// Locking: mu guards the in-memory maps only and is never held across disk
// I/O, so that Get and List (every request) never wait on the disk. Writes
// of one instance (Update, Delete) are serialised by that instance's own
// mutex (writers); the registry file serialises its transactions itself.
type Manager struct {
	dataDir string
	db      *bolt.DB
	hasher  *passhash.Hasher
	log     *slog.Logger

	public *Public // shared with every instance returned

	mu       sync.RWMutex
	byDomain map[string]*Instance
	reserved map[string]bool        // domains being created, not yet published
	writers  map[string]*sync.Mutex // by instance id: serialises Update and Delete
	onDelete []func(*Instance)

	stores stores
}

// Open opens (creating if needed) the registry in dataDir.
func Open(dataDir string, hasher *passhash.Hasher, log *slog.Logger) (*Manager, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Join(dataDir, "instances"), 0o700); err != nil {
		return nil, fmt.Errorf("instance: data directory: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dataDir, "instances.db"), 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("instance: open registry: %w", err)
	}
	m := &Manager{dataDir: dataDir, db: db, hasher: hasher, log: log, public: &Public{},
		byDomain: map[string]*Instance{}, reserved: map[string]bool{}, writers: map[string]*sync.Mutex{}}
	m.stores.init()
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketInstances)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			inst := new(Instance)
			if err := json.Unmarshal(v, inst); err != nil {
				return fmt.Errorf("instance %s: %w", k, err)
			}
			inst.public = m.public
			m.byDomain[inst.Domain] = inst
			return nil
		})
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("instance: load registry: %w", err)
	}
	return m, nil
}

// Close closes every open store, then the registry.
func (m *Manager) Close() error { return errors.Join(m.closeStores(), m.db.Close()) }

// Hasher is the passphrase hasher the manager uses.
func (m *Manager) Hasher() *passhash.Hasher { return m.hasher }

// Dir is the directory of an instance's own data.
func (m *Manager) Dir(inst *Instance) string { return filepath.Join(m.dataDir, "instances", inst.ID) }

// OnDelete registers f, called with an instance being deleted before its
// store closes and its directory is removed (to stop what uses its store).
func (m *Manager) OnDelete(f func(*Instance)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.onDelete = append(m.onDelete, f)
}

// Get returns the instance of domain. The value must not be modified.
func (m *Manager) Get(domain string) (*Instance, error) {
	d, err := NormalizeDomain(domain)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, domain)
	}
	m.mu.RLock()
	inst := m.byDomain[d]
	m.mu.RUnlock()
	if inst == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, d)
	}
	return inst, nil
}

// List returns every instance, sorted by domain.
func (m *Manager) List() []*Instance {
	m.mu.RLock()
	out := make([]*Instance, 0, len(m.byDomain))
	for _, inst := range m.byDomain {
		out = append(out, inst)
	}
	m.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Instance) int { return strings.Compare(a.Domain, b.Domain) })
	return out
}

// writer returns the mutex serialising the writes of instance id.
func (m *Manager) writer(id string) *sync.Mutex {
	m.mu.Lock()
	defer m.mu.Unlock()
	w := m.writers[id]
	if w == nil {
		w = new(sync.Mutex)
		m.writers[id] = w
	}
	return w
}

// save writes inst to the registry file (disk I/O: never under mu).
func (m *Manager) save(inst *Instance) error {
	data, err := json.Marshal(inst)
	if err != nil {
		return fmt.Errorf("instance: encode: %w", err)
	}
	err = m.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketInstances).Put([]byte(inst.ID), data) })
	if err != nil {
		return fmt.Errorf("instance: save %s: %w", inst.Domain, err)
	}
	return nil
}
