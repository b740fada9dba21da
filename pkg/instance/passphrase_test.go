package instance_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
)

// TestSetPassphrase: the CLI's passphrase registers the instance (the
// registration token goes) and only that passphrase checks.
func TestSetPassphrase(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, t.TempDir())
	defer m.Close()
	a, err := m.Create(ctx, instance.Options{Domain: "a.example", KdfIterations: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckPassphrase(ctx, a, ""); !errors.Is(err, passhash.ErrMismatch) {
		t.Fatalf("instance without passphrase: %v", err)
	}
	a, err = m.SetPassphrase(ctx, "a.example", "correct horse")
	if err != nil || !a.OnboardingFinished || a.RegisterToken != nil {
		t.Fatalf("set passphrase: %+v %v", a, err)
	}
	if err := m.CheckPassphrase(ctx, a, "correct horse"); err != nil {
		t.Fatal(err)
	}
	if err := m.CheckPassphrase(ctx, a, "wrong horse"); !errors.Is(err, passhash.ErrMismatch) {
		t.Fatalf("wrong passphrase: %v", err)
	}
}
