package stack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/bitwarden"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/stack"
	"github.com/cozypi/cozy/pkg/store"
)

// TestBitwardenSettingsOnOpen: every instance's store has
// io.cozy.settings.bitwarden once open, which the Settings app reads
// (before: 404).
func TestBitwardenSettingsOnOpen(t *testing.T) {
	dir := t.TempDir()
	m := open(t, dir)
	st, err := stack.New(&config.Config{FsURL: dir}, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	inst, err := m.Create(context.Background(), instance.Options{Domain: "alice.example"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Store(inst)
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.DB(bitwarden.SettingsDoctype).Get(context.Background(), bitwarden.SettingsID, store.GetOptions{})
	if err != nil || !strings.Contains(string(d.Body), `"extension_installed":false`) {
		t.Fatalf("%s %v", d.Body, err)
	}
}
