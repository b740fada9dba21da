package stack

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/store"
)

// compactor runs the stores' scheduled compaction: every interval, one
// pass over the instances, one store at a time (a Pi has little I/O to
// spare), each store's Maintain compacting the doctypes written since the
// last pass and rewriting the file smaller when enough of it is free.
// Close stops it and waits for a pass under way (a store's pass stops
// between transactions).
type compactor struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func startCompactor(cfg config.Compaction, instances *instance.Manager, log *slog.Logger) *compactor {
	ctx, cancel := context.WithCancel(context.Background())
	c := &compactor{cancel: cancel, done: make(chan struct{})}
	if cfg.Interval <= 0 {
		close(c.done)
		return c
	}
	go func() {
		defer close(c.done)
		t := time.NewTicker(cfg.Interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			compactAll(ctx, instances, cfg.MinFree, log)
		}
	}()
	return c
}

// compactAll runs one pass over every instance's store.
func compactAll(ctx context.Context, instances *instance.Manager, minFree int64, log *slog.Logger) {
	for _, inst := range instances.List() {
		if ctx.Err() != nil {
			return
		}
		st, err := instances.Store(inst)
		if err != nil {
			continue // being deleted, or closing
		}
		m, ok := st.(store.Maintainer)
		if !ok {
			continue
		}
		start := time.Now()
		res, err := m.Maintain(ctx, minFree)
		switch {
		case errors.Is(err, context.Canceled) || errors.Is(err, store.ErrClosed):
		case err != nil:
			log.WarnContext(ctx, "compaction", "domain", inst.Domain, "error", err)
		case len(res.Compacted) > 0 || res.Shrunk:
			log.InfoContext(ctx, "compaction", "domain", inst.Domain, "doctypes", res.Compacted,
				"shrunk", res.Shrunk, "size_before", res.SizeBefore, "size_after", res.SizeAfter, "duration", time.Since(start))
		}
	}
}

// Close stops the schedule and waits for a pass under way.
func (c *compactor) Close() {
	c.cancel()
	<-c.done
}
