package stack

import (
	"context"
	"errors"
	"log/slog"

	"github.com/cozypi/cozy/pkg/bitwarden"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/store"
)

// initialDoctypes are databases upstream creates with every instance (its
// built-in doctypes, which carry its indexes) and that the apps read
// through /data from their first page, taking a missing database for an
// error (_all_docs with keys answers 404 instead of no rows). The apps'
// and konnectors' databases are not among them: the apps manager creates
// them with the first install, and /apps answers without them.
var initialDoctypes = []string{
	"io.cozy.files", "io.cozy.jobs", "io.cozy.triggers", "io.cozy.permissions", "io.cozy.sharings",
	"io.cozy.shared", "io.cozy.settings", "io.cozy.oauth.clients", "io.cozy.notifications",
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
