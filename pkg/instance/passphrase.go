package instance

import (
	"context"
	"fmt"

	"github.com/cozypi/cozy/pkg/passhash"
)

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
