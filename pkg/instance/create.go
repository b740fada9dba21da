package instance

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/cozypi/cozy/pkg/ident"
)

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

// Create makes a new instance. The domain is reserved first, so that two
// creations of one domain cannot both succeed; the directory and the
// registry entry are written without holding the manager's lock, and the
// instance is published (visible to Get) only once they are.
func (m *Manager) Create(ctx context.Context, opts Options) (*Instance, error) {
	inst, err := m.newInstance(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := m.reserve(inst.Domain); err != nil {
		return nil, err
	}
	err = os.MkdirAll(m.Dir(inst), 0o700)
	if err != nil {
		err = fmt.Errorf("instance: create directory: %w", err)
	} else if err = m.save(inst); err != nil {
		if rmErr := os.RemoveAll(m.Dir(inst)); rmErr != nil {
			m.log.WarnContext(ctx, "removing the directory of a failed creation", "domain", inst.Domain, "error", rmErr)
		}
	}
	m.mu.Lock()
	delete(m.reserved, inst.Domain)
	if err == nil {
		m.byDomain[inst.Domain] = inst
	}
	m.mu.Unlock()
	if err != nil {
		return nil, err
	}
	m.log.InfoContext(ctx, "instance created", "domain", inst.Domain, "id", inst.ID)
	return inst, nil
}

// reserve claims domain for a creation, or tells it is taken.
func (m *Manager) reserve(domain string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byDomain[domain] != nil || m.reserved[domain] {
		return fmt.Errorf("%w: %s", ErrExists, domain)
	}
	m.reserved[domain] = true
	return nil
}

// newInstance builds (without saving) the instance opts describe: its id,
// secrets and, when given, its passphrase hash.
func (m *Manager) newInstance(ctx context.Context, opts Options) (*Instance, error) {
	domain, err := NormalizeDomain(opts.Domain)
	if err != nil {
		return nil, err
	}
	if opts.DiskQuota < 0 {
		return nil, fmt.Errorf("%w: disk quota must not be negative", ErrInvalid)
	}
	now := time.Now().UTC().Truncate(time.Second)
	sum := md5.Sum([]byte(domain)) // the prefix upstream derives from the domain, not a secret
	inst := &Instance{
		ID:            ident.DocID(),
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
		TokenSecret:   ident.Bytes(64),
		SessionSecret: ident.Bytes(64),
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
		inst.RegisterToken = ident.Bytes(16)
	}
	return inst, nil
}

func valueOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
