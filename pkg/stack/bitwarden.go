package stack

import (
	"context"
	"log/slog"

	"github.com/cozypi/cozy/pkg/bitwarden"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/store"
)

// ensureBitwardenSettings creates io.cozy.settings.bitwarden in every
// store as it opens (new instances and older ones alike): the Settings
// app reads it on its first page.
func ensureBitwardenSettings(instances *instance.Manager, log *slog.Logger) {
	instances.OnStoreOpen(func(inst *instance.Instance, st store.Store) {
		if err := bitwarden.EnsureSettings(context.Background(), st); err != nil {
			log.Error("bitwarden settings document", "domain", inst.Domain, "error", err)
		}
	})
}
