// Package follow hands every committed write of a store to one consumer,
// without gaps: a Follower reads the store's event bus and, when the bus
// drops it for falling behind, catches up from each database's changes
// feed since the last sequence it accounts for, then goes on with a new
// subscription.
//
// Every event carries its database sequence (store.Event.Seq). Per
// doctype, the follower remembers the sequence below which everything was
// handed over (since) and the sequences handed over above it; a catch-up
// reads Changes(since) and skips what was already handed over, and the
// live events it already covered are skipped afterwards. So no write is
// silently missed and none is handed over twice.
//
// A database destroyed and created again is noticed when its sequence is
// found below the cursor, and followed from its beginning.
//
// Limits: a catch-up sees what the changes feed keeps, the latest change of
// each document: a document written several times during the gap comes
// once, as its current revision, without OldDoc, with verb DELETED when
// deleted, CREATED when its revision is the first, else UPDATED. Writes
// concurrent with New may or may not be handed over; writes after New
// returns always are.
package follow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cozypi/cozy/pkg/store"
)

// DefaultBuffer is the bus subscription's buffer when Options.Buffer is 0.
const DefaultBuffer = 1024

// page is the number of changes a catch-up reads at a time.
const page = 512

// Options tune a Follower.
type Options struct {
	// Buffer is the number of events the consumer may lag behind before
	// the bus drops the subscription and a catch-up is needed.
	Buffer int
	// Replay selects the doctypes a catch-up re-reads (nil: all). Live
	// events of every doctype are handed over; the others' sequences are
	// just skipped to the present on a catch-up.
	Replay func(doctype string) bool
	// Log receives the catch-ups (nil: discarded).
	Log *slog.Logger
}

// Follower follows one store. Create it with New, then call Run once, in
// the goroutine of the consumer's owner.
type Follower struct {
	st      store.Store
	opts    Options
	mu      sync.Mutex // guards sub (Close may run beside Run)
	sub     *store.Subscription
	closed  bool
	cursors map[string]*cursor // by doctype; Run's goroutine only
	holes   int                // len of every cursor's done
	resyncs atomic.Int64
}

// cursor is what a follower accounts for in one database.
type cursor struct {
	since uint64              // every sequence <= since is accounted for
	skip  uint64              // live events <= skip were handed over by a catch-up
	done  map[uint64]struct{} // sequences > since handed over live
}

// New subscribes to st's events and records each database's current
// sequence, where a catch-up would start. Every write committed after New
// returns reaches the consumer given to Run.
func New(ctx context.Context, st store.Store, opts Options) (*Follower, error) {
	if opts.Buffer <= 0 {
		opts.Buffer = DefaultBuffer
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	f := &Follower{st: st, opts: opts, cursors: map[string]*cursor{}}
	// Subscribe first: a write between the two steps is then either live
	// or below the recorded sequence, never lost.
	f.sub = st.Events().Subscribe(opts.Buffer, nil)
	doctypes, err := st.Doctypes(ctx)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("follow: listing doctypes: %w", err)
	}
	for _, dt := range doctypes {
		info, err := st.DB(dt).Info(ctx)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("follow: sequence of %s: %w", dt, err)
		}
		f.cursors[dt] = &cursor{since: info.UpdateSeq}
	}
	return f, nil
}

// Resyncs returns the number of catch-ups done so far.
func (f *Follower) Resyncs() int64 { return f.resyncs.Load() }

// Close ends the subscription; a running Run returns. It is for owners that
// never call Run, or stop it without a context; it is safe to call twice.
func (f *Follower) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	f.sub.Close()
}

// subscription returns the current subscription, or nil once closed.
func (f *Follower) subscription() *store.Subscription {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	return f.sub
}

// resubscribe replaces a dropped subscription; false once closed.
func (f *Follower) resubscribe() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.sub = f.st.Events().Subscribe(f.opts.Buffer, nil)
	return true
}

// Run hands every event to handle, in the calling goroutine, until ctx is
// done or Close is called; it then ends the subscription. handle may be
// slow: falling behind costs a catch-up, not events.
func (f *Follower) Run(ctx context.Context, handle func(store.Event)) {
	defer f.Close()
	stale := false // a catch-up failed and must be tried again
	for {
		sub := f.subscription()
		if sub == nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-sub.C():
			if !ok {
				// The buffered events were all read before the channel
				// reported its closing: what follows was not delivered.
				if !sub.Dropped() || !f.resubscribe() {
					return
				}
				stale = true
			} else {
				f.live(ev, handle)
			}
		}
		// Sequences with holes below them (a write without event, which
		// the store does not do today) would keep growing the done sets.
		if stale || f.holes > 4*f.opts.Buffer {
			stale = f.catchUp(ctx, handle) != nil && ctx.Err() == nil
		}
	}
}

// live hands over a bus event unless a catch-up already did.
func (f *Follower) live(ev store.Event, handle func(store.Event)) {
	if ev.Seq == 0 {
		handle(ev) // a store that does not number its writes: nothing to dedupe
		return
	}
	c := f.cursor(ev.Doctype)
	if ev.Seq <= c.skip && !f.recreated(ev.Doctype, c) {
		return
	}
	if ev.Seq > c.since {
		if _, dup := c.done[ev.Seq]; dup {
			return
		}
		c.done[ev.Seq] = struct{}{}
		f.holes++
		for {
			if _, ok := c.done[c.since+1]; !ok {
				break
			}
			c.since++
			delete(c.done, c.since)
			f.holes--
		}
	}
	handle(ev)
}

func (f *Follower) cursor(doctype string) *cursor {
	c := f.cursors[doctype]
	if c == nil {
		// A database created after New: all its writes are to follow.
		c = &cursor{}
		f.cursors[doctype] = c
	}
	if c.done == nil {
		c.done = map[uint64]struct{}{}
	}
	return c
}

// catchUp hands over, for every database, the changes after its cursor
// that were not handed over live, and moves the cursors to the present.
func (f *Follower) catchUp(ctx context.Context, handle func(store.Event)) error {
	f.resyncs.Add(1)
	doctypes, err := f.st.Doctypes(ctx)
	if err != nil {
		f.opts.Log.Error("follow: catching up: listing doctypes", "error", err)
		return err
	}
	replayed := 0
	for _, dt := range doctypes {
		c := f.cursor(dt)
		var err error
		var n int
		if f.opts.Replay == nil || f.opts.Replay(dt) {
			n, err = f.replay(ctx, dt, c, handle)
		} else {
			err = f.skipAll(ctx, dt, c)
		}
		if errors.Is(err, store.ErrNotFound) {
			continue // destroyed meanwhile
		}
		if err != nil {
			f.opts.Log.Error("follow: catching up", "doctype", dt, "error", err)
			return err
		}
		replayed += n
	}
	f.opts.Log.Info("follow: fell behind the store's events and caught up from its changes", "replayed", replayed)
	return nil
}

// recreated tells whether dt's database was destroyed and created again
// since c was last moved (its sequence went back below the cursor), and
// then restarts c from the new database's beginning.
func (f *Follower) recreated(dt string, c *cursor) bool {
	info, err := f.st.DB(dt).Info(context.Background())
	if err != nil || info.UpdateSeq >= max(c.since, c.skip) {
		return false
	}
	f.holes -= len(c.done)
	*c = cursor{done: map[uint64]struct{}{}}
	return true
}

// replay hands over dt's changes after c.since that were not handed over.
func (f *Follower) replay(ctx context.Context, dt string, c *cursor, handle func(store.Event)) (int, error) {
	db := f.st.DB(dt)
	f.recreated(dt, c)
	n := 0
	for {
		res, err := db.Changes(ctx, store.ChangesOptions{Since: c.since, Limit: page, IncludeDocs: true})
		if err != nil {
			return n, err
		}
		for _, ch := range res.Results {
			if _, dup := c.done[ch.Seq]; dup {
				continue
			}
			handle(fromChange(dt, ch))
			n++
		}
		f.advance(c, res.LastSeq)
		if res.Pending == 0 || len(res.Results) == 0 {
			return n, nil
		}
	}
}

// skipAll moves c to dt's current sequence without handing anything over.
func (f *Follower) skipAll(ctx context.Context, dt string, c *cursor) error {
	info, err := f.st.DB(dt).Info(ctx)
	if err != nil {
		return err
	}
	f.advance(c, info.UpdateSeq)
	return nil
}

// advance marks everything up to seq accounted for, and the live events up
// to it as already handed over.
func (f *Follower) advance(c *cursor, seq uint64) {
	if seq <= c.since {
		return
	}
	c.since, c.skip = seq, seq
	for s := range c.done {
		if s <= seq {
			delete(c.done, s)
			f.holes--
		}
	}
}

// fromChange rebuilds the event of a document's latest change.
func fromChange(doctype string, ch store.Change) store.Event {
	rev := ""
	if len(ch.Revs) > 0 {
		rev = ch.Revs[0]
	}
	verb := store.Updated
	switch {
	case ch.Deleted:
		verb = store.Deleted
	case strings.HasPrefix(rev, "1-"):
		verb = store.Created
	}
	return store.Event{Doctype: doctype, Verb: verb, Seq: ch.Seq,
		Doc: store.Doc{ID: ch.ID, Rev: rev, Deleted: ch.Deleted, Body: ch.Doc}}
}
