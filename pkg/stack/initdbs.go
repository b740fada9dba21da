package stack

import (
	"context"
	"errors"
	"log/slog"

	"github.com/cozypi/cozy/pkg/bitwarden"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/store"
)

// initialDoctypes are the databases upstream creates with every instance
// (its built-in doctypes, which carry its indexes). The apps query them
// from their first page and take a missing database for an error
// (_all_docs with keys answers 404 instead of no rows), so every store
// has them from its first open.
var initialDoctypes = []string{
	"io.cozy.files", "io.cozy.apps", "io.cozy.konnectors", "io.cozy.jobs", "io.cozy.triggers",
	"io.cozy.permissions", "io.cozy.sharings", "io.cozy.shared", "io.cozy.settings", "io.cozy.oauth.clients",
	"io.cozy.notifications",
}

// initDatabases creates the initial databases and io.cozy.settings.bitwarden
// in every store as it opens (new instances and older ones alike).
func initDatabases(instances *instance.Manager, log *slog.Logger) {
	instances.OnStoreOpen(func(inst *instance.Instance, st store.Store) {
		ctx := context.Background()
		for _, doctype := range initialDoctypes {
			if err := st.DB(doctype).Create(ctx); err != nil && !errors.Is(err, store.ErrExists) {
				log.Error("initial database", "domain", inst.Domain, "doctype", doctype, "error", err)
			}
		}
		if err := bitwarden.EnsureSettings(ctx, st); err != nil {
			log.Error("bitwarden settings document", "domain", inst.Domain, "error", err)
		}
	})
}
