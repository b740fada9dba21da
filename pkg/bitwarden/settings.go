// Package bitwarden keeps the one document of upstream's password
// manager that the apps read on a box: io.cozy.settings.bitwarden, whose
// extension_installed member tells the Settings app whether to offer the
// password manager's extension.
//
// Limits: the box has no Bitwarden-compatible API (/bitwarden): the vault
// is never set up, so the document only says that no extension is
// installed; it carries no keys.
package bitwarden

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cozypi/cozy/pkg/store"
)

// Where the settings document lives.
const (
	SettingsDoctype = "io.cozy.settings"
	SettingsID      = "io.cozy.settings.bitwarden"
)

// EnsureSettings creates the settings document in st when it is missing
// (a new instance, or an instance from before this document); an existing
// one is left as it is.
func EnsureSettings(ctx context.Context, st store.Store) error {
	db := st.DB(SettingsDoctype)
	_, err := db.Get(ctx, SettingsID, store.GetOptions{})
	if err == nil {
		return nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("bitwarden: settings: %w", err)
	}
	body, _ := json.Marshal(map[string]any{"extension_installed": false})
	_, err = db.Put(ctx, store.Doc{ID: SettingsID, Body: body}, store.PutOptions{})
	if errors.Is(err, store.ErrConflict) {
		return nil // written meanwhile
	}
	if err != nil {
		return fmt.Errorf("bitwarden: settings: %w", err)
	}
	return nil
}
