package stack

import (
	"log/slog"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/realtime"
	"github.com/cozypi/cozy/pkg/store"
)

// newRealtime builds the hub of live events and follows every instance
// store as it opens, until the instance is deleted.
func newRealtime(instances *instance.Manager, log *slog.Logger) *realtime.Hub {
	hub := realtime.NewHub()
	instances.OnStoreOpen(func(inst *instance.Instance, st store.Store) {
		if err := hub.Attach(inst.ID, st, log.With("domain", inst.Domain)); err != nil {
			log.Error("realtime: the store's events are not followed", "domain", inst.Domain, "error", err)
		}
	})
	instances.OnDelete(func(inst *instance.Instance) { hub.Detach(inst.ID) })
	return hub
}
