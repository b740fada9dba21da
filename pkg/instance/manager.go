package instance

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
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
)

var bucketInstances = []byte("instances")

// Manager keeps the registry of instances.
type Manager struct {
	dataDir string
	db      *bolt.DB
	hasher  *passhash.Hasher
	log     *slog.Logger

	public *Public // shared with every instance returned

	mu       sync.RWMutex
	byDomain map[string]*Instance
	onDelete []func(*Instance)

	stores stores
}

// Open opens (creating if needed) the registry in dataDir.
func Open(dataDir string, hasher *passhash.Hasher, log *slog.Logger) (*Manager, error) {
	if err := os.MkdirAll(filepath.Join(dataDir, "instances"), 0o700); err != nil {
		return nil, fmt.Errorf("instance: data directory: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dataDir, "instances.db"), 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("instance: open registry: %w", err)
	}
	m := &Manager{dataDir: dataDir, db: db, hasher: hasher, log: log, byDomain: map[string]*Instance{}, public: &Public{}}
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
// directory is removed (to close its stores).
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

// Options are the attributes of a new instance.
type Options struct {
	Domain      string
	Locale      string
	TZ          string
	Email       string
	PublicName  string
	ContextName string
	DiskQuota   int64
	// Passphrase, when set, registers the instance at once (for tests and
	// scripted set-ups); otherwise the result has a RegisterToken.
	Passphrase string
	// KdfIterations for the client-side derivation (default 650,000).
	KdfIterations int
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("instance: crypto/rand failed: %v", err)) // the OS has no entropy: nothing is safe
	}
	return b
}

// Create makes a new instance.
func (m *Manager) Create(ctx context.Context, opts Options) (*Instance, error) {
	domain, err := NormalizeDomain(opts.Domain)
	if err != nil {
		return nil, err
	}
	if opts.DiskQuota < 0 {
		return nil, fmt.Errorf("%w: disk quota must not be negative", ErrInvalid)
	}
	now := time.Now().UTC().Truncate(time.Second)
	sum := md5.Sum([]byte(domain))
	inst := &Instance{
		ID:            hex.EncodeToString(randomBytes(16)),
		Domain:        domain,
		Prefix:        "cozy" + hex.EncodeToString(sum[:]),
		Locale:        valueOr(opts.Locale, "en"),
		TZ:            opts.TZ,
		Email:         opts.Email,
		PublicName:    opts.PublicName,
		ContextName:   valueOr(opts.ContextName, "default"),
		DiskQuota:     opts.DiskQuota,
		CreatedAt:     now,
		UpdatedAt:     now,
		Version:       1,
		KdfIterations: opts.KdfIterations,
		TokenSecret:   randomBytes(64),
		SessionSecret: randomBytes(64),
		public:        m.public,
	}
	if inst.KdfIterations <= 0 {
		inst.KdfIterations = DefaultKdfIterations
	}
	if opts.Passphrase != "" {
		if err := m.setPassphrase(ctx, inst, opts.Passphrase); err != nil {
			return nil, err
		}
		inst.OnboardingFinished = true
	} else {
		inst.RegisterToken = randomBytes(16)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byDomain[domain]; ok {
		return nil, fmt.Errorf("%w: %s", ErrExists, domain)
	}
	if err := os.MkdirAll(m.Dir(inst), 0o700); err != nil {
		return nil, fmt.Errorf("instance: create directory: %w", err)
	}
	if err := m.save(inst); err != nil {
		os.RemoveAll(m.Dir(inst))
		return nil, err
	}
	m.byDomain[domain] = inst
	m.log.InfoContext(ctx, "instance created", "domain", domain, "id", inst.ID)
	return inst, nil
}

func valueOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// setPassphrase derives the client-side secret of a clear passphrase and
// stores its hash.
func (m *Manager) setPassphrase(ctx context.Context, inst *Instance, passphrase string) error {
	secret, err := ClientSecret(passphrase, inst.Host(), inst.KdfIterations)
	if err != nil {
		return err
	}
	return m.SetSecret(ctx, inst, secret)
}

// SetSecret stores the hash of a client-side derived secret on inst (not
// yet saved: call within Update, or before Create saves it).
func (m *Manager) SetSecret(ctx context.Context, inst *Instance, secret string) error {
	h, err := m.hasher.Hash(ctx, []byte(secret))
	if err != nil {
		return fmt.Errorf("instance: hash passphrase: %w", err)
	}
	inst.PassphraseHash = h
	inst.RegisterToken = nil
	return nil
}

// CheckSecret verifies a client-side derived secret against the instance.
func (m *Manager) CheckSecret(ctx context.Context, inst *Instance, secret string) error {
	if inst.PassphraseHash == "" {
		return passhash.ErrMismatch
	}
	return m.hasher.Verify(ctx, inst.PassphraseHash, []byte(secret))
}

// CheckPassphrase verifies a clear passphrase (as the CLI sends it).
func (m *Manager) CheckPassphrase(ctx context.Context, inst *Instance, passphrase string) error {
	secret, err := ClientSecret(passphrase, inst.Host(), inst.KdfIterations)
	if err != nil {
		return err
	}
	return m.CheckSecret(ctx, inst, secret)
}

// SetPassphrase sets a clear passphrase on the instance (CLI).
func (m *Manager) SetPassphrase(ctx context.Context, domain, passphrase string) (*Instance, error) {
	return m.Update(ctx, domain, func(inst *Instance) error {
		if err := m.setPassphrase(ctx, inst, passphrase); err != nil {
			return err
		}
		inst.OnboardingFinished = true
		return nil
	})
}

// Update applies change to a copy of the instance and saves it. The domain
// and secrets cannot be changed here.
func (m *Manager) Update(ctx context.Context, domain string, change func(*Instance) error) (*Instance, error) {
	cur, err := m.Get(domain)
	if err != nil {
		return nil, err
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
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byDomain[cur.Domain] != cur {
		return nil, fmt.Errorf("instance %s changed concurrently, try again", domain)
	}
	if err := m.save(&next); err != nil {
		return nil, err
	}
	m.byDomain[next.Domain] = &next
	return &next, nil
}

// Delete removes an instance and all its data.
func (m *Manager) Delete(ctx context.Context, domain string) error {
	inst, err := m.Get(domain)
	if err != nil {
		return err
	}
	m.mu.Lock()
	hooks := slices.Clone(m.onDelete)
	m.mu.Unlock()
	for _, f := range hooks {
		f(inst)
	}
	if err := m.closeStore(inst); err != nil {
		m.log.WarnContext(ctx, "closing the store of a deleted instance", "domain", inst.Domain, "error", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	err = m.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketInstances).Delete([]byte(inst.ID)) })
	if err != nil {
		return fmt.Errorf("instance: delete %s: %w", domain, err)
	}
	delete(m.byDomain, inst.Domain)
	if err := os.RemoveAll(m.Dir(inst)); err != nil {
		return fmt.Errorf("instance: remove data of %s: %w", domain, err)
	}
	m.log.InfoContext(ctx, "instance deleted", "domain", inst.Domain, "id", inst.ID)
	return nil
}

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
