package realtime

import (
	"log/slog"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/realtime"
	"github.com/cozypi/cozy/pkg/store"
)

// Setup returns the realtime hub of the server, fed with the committed
// writes of every instance store as it opens and cleared when an instance
// is deleted. Call it before anything opens stores (stores opened earlier
// are not fed).
func Setup(instances *instance.Manager, log *slog.Logger) *realtime.Hub {
	hub := realtime.NewHub()
	instances.OnStoreOpen(func(inst *instance.Instance, st store.Store) {
		if err := hub.Attach(inst.ID, st, log.With("domain", inst.Domain)); err != nil {
			log.Error("realtime: the store's events are not followed", "domain", inst.Domain, "error", err)
		}
	})
	instances.OnDelete(func(inst *instance.Instance) { hub.Detach(inst.ID) })
	return hub
}
