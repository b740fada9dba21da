package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/cozypi/cozy/pkg/ident"
	"github.com/cozypi/cozy/pkg/store"
)

// AddTrigger validates, stores and arms a new trigger; t gets its id, rev
// and dates.
func (b *Broker) AddTrigger(ctx context.Context, t *Trigger) error {
	return b.addTrigger(ctx, t, Metadata{})
}

// addTrigger is AddTrigger with the metadata's creator fields set.
func (b *Broker) addTrigger(ctx context.Context, t *Trigger, meta Metadata) error {
	if _, ok := b.cfg.Workers[t.Worker]; !ok {
		return fmt.Errorf("%w %q", ErrUnknownWorker, t.Worker)
	}
	if _, _, err := t.validate(); err != nil {
		return err
	}
	now := b.cfg.Clock.Now().UTC()
	t.ID = ident.DocID()
	t.Rev, t.Domain = "", b.inst.Domain
	meta.CreatedAt, meta.UpdatedAt = now, now
	t.Metadata = meta
	rev, err := put(ctx, b.st, TriggersDoctype, t.ID, "", t)
	if err != nil {
		return err
	}
	t.Rev = rev
	return b.arm(*t)
}

// Trigger returns a trigger.
func (b *Broker) Trigger(ctx context.Context, id string) (*Trigger, error) {
	var t Trigger
	if err := get(ctx, b.st, TriggersDoctype, id, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// Triggers lists the triggers accepted by keep (nil: all), sorted by id.
func (b *Broker) Triggers(ctx context.Context, keep func(*Trigger) bool) ([]*Trigger, error) {
	var out []*Trigger
	err := all(ctx, b.st, TriggersDoctype, func(raw json.RawMessage) error {
		t := new(Trigger)
		if err := json.Unmarshal(raw, t); err != nil {
			return err
		}
		if keep == nil || keep(t) {
			out = append(out, t)
		}
		return nil
	})
	return out, err
}

// DeleteTrigger disarms and deletes a trigger.
func (b *Broker) DeleteTrigger(ctx context.Context, id string) error {
	t, err := b.Trigger(ctx, id)
	if err != nil {
		return err
	}
	b.disarm(id)
	if _, err := b.st.DB(TriggersDoctype).Delete(ctx, id, t.Rev); err != nil {
		return fmt.Errorf("jobs: deleting trigger %s: %w", id, err)
	}
	return nil
}

// TriggerPatch changes a trigger: nil fields are kept.
type TriggerPatch struct {
	Arguments *string
	Message   json.RawMessage
}

// PatchTrigger changes a trigger's arguments and/or message and re-arms it.
func (b *Broker) PatchTrigger(ctx context.Context, id string, p TriggerPatch) (*Trigger, error) {
	t, err := b.Trigger(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Arguments != nil {
		t.Arguments = *p.Arguments
	}
	if p.Message != nil {
		t.Message = p.Message
	}
	if _, _, err := t.validate(); err != nil {
		return nil, err
	}
	t.Metadata.UpdatedAt = b.cfg.Clock.Now().UTC()
	if t.Rev, err = put(ctx, b.st, TriggersDoctype, t.ID, t.Rev, t); err != nil {
		return nil, err
	}
	b.disarm(id)
	return t, b.arm(*t)
}

// Launch queues a job of the trigger now (a manual execution).
func (b *Broker) Launch(ctx context.Context, id string) (*Job, error) {
	t, err := b.Trigger(ctx, id)
	if err != nil {
		return nil, err
	}
	return b.Push(ctx, Request{Worker: t.Worker, Message: t.Message, Options: t.Options, TriggerID: t.ID, Manual: true})
}

// Webhook queues the job of a @webhook trigger with the request's body as
// payload (JSON, or a JSON string when the body is not JSON). Other
// triggers answer ErrNotFound, as if absent.
func (b *Broker) Webhook(ctx context.Context, id string, body []byte) (*Job, error) {
	t, err := b.Trigger(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.Type != TypeWebhook {
		return nil, fmt.Errorf("%w: no webhook %s", ErrNotFound, id)
	}
	var payload json.RawMessage
	switch {
	case len(body) == 0:
	case json.Valid(body):
		payload = body
	default:
		if payload, err = json.Marshal(string(body)); err != nil {
			return nil, err
		}
	}
	return b.Push(ctx, Request{Worker: t.Worker, Message: t.Message, Options: t.Options, TriggerID: t.ID, Payload: payload})
}

// TriggerState summarises the executions of a trigger.
type TriggerState struct {
	TriggerID          string    `json:"trigger_id"`
	Status             State     `json:"status,omitempty"`
	LastSuccess        time.Time `json:"last_success,omitzero"`
	LastSuccessfulJob  string    `json:"last_successful_job_id,omitempty"`
	LastExecution      time.Time `json:"last_execution,omitzero"`
	LastExecutedJob    string    `json:"last_executed_job_id,omitempty"`
	LastFailure        time.Time `json:"last_failure,omitzero"`
	LastFailedJob      string    `json:"last_failed_job_id,omitempty"`
	LastError          string    `json:"last_error,omitempty"`
	LastManualExecuted time.Time `json:"last_manual_execution,omitzero"`
	LastManualJob      string    `json:"last_manual_job_id,omitempty"`
}

// State computes a trigger's state from its jobs.
func (b *Broker) State(ctx context.Context, id string) (*TriggerState, error) {
	if _, err := b.Trigger(ctx, id); err != nil {
		return nil, err
	}
	jobs, err := b.Jobs(ctx, func(j *Job) bool { return j.TriggerID == id }, 0)
	if err != nil {
		return nil, err
	}
	s := &TriggerState{TriggerID: id}
	for _, j := range jobs { // most recent first
		if s.Status == "" {
			s.Status, s.LastExecution, s.LastExecutedJob = j.State, j.QueuedAt, j.ID
		}
		if j.Manual && s.LastManualJob == "" {
			s.LastManualExecuted, s.LastManualJob = j.QueuedAt, j.ID
		}
		if j.State == Done && s.LastSuccessfulJob == "" {
			s.LastSuccess, s.LastSuccessfulJob = j.FinishedAt, j.ID
		}
		if j.State == Errored && s.LastFailedJob == "" {
			s.LastFailure, s.LastFailedJob, s.LastError = j.FinishedAt, j.ID, j.Error
		}
	}
	return s, nil
}

// arm loads a stored trigger into the scheduler.
func (b *Broker) arm(t Trigger) error {
	sched, rules, err := t.validate()
	if err != nil {
		return err
	}
	a := &armed{t: t, sched: sched, rules: rules}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	b.triggers[t.ID] = a
	if sched != nil {
		b.schedule(a, b.cfg.Clock.Now())
	}
	return nil
}

// schedule sets a's timer for its next firing after now; b.mu is held.
func (b *Broker) schedule(a *armed, now time.Time) {
	next := a.sched.next(&a.t, now)
	if next.IsZero() {
		return
	}
	id := a.t.ID
	a.stop = b.afterLocked(next.Sub(now), func() { b.fire(id, next) })
}

func (b *Broker) disarm(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if a, ok := b.triggers[id]; ok {
		if a.stop != nil {
			a.stop()
		}
		delete(b.triggers, id)
	}
}

// fire runs when a time trigger is due: it queues the job, then deletes a
// one-time trigger or schedules the next firing.
func (b *Broker) fire(id string, at time.Time) {
	b.mu.Lock()
	a, ok := b.triggers[id]
	if !ok || b.closed {
		b.mu.Unlock()
		return
	}
	t := a.t
	if !a.sched.once() {
		now := b.cfg.Clock.Now()
		if now.Before(at) {
			now = at
		}
		b.schedule(a, now)
	}
	b.mu.Unlock()
	ctx := b.ctx
	if _, err := b.Push(ctx, Request{Worker: t.Worker, Message: t.Message, Options: t.Options, TriggerID: t.ID}); err != nil {
		b.cfg.Log.Error("jobs: trigger could not queue its job", "trigger", id, "error", err)
	}
	if a.sched.once() {
		if err := b.DeleteTrigger(ctx, id); err != nil {
			b.cfg.Log.Error("jobs: deleting a one-time trigger", "trigger", id, "error", err)
		}
	}
}

// listen feeds @event triggers, manifest services and clean-clients from
// the store's events until the broker closes. A listener that falls behind
// catches up from the store's changes (package follow): no write is missed.
func (b *Broker) listen() {
	defer b.wg.Done()
	b.reconcileApps(b.ctx)
	b.events.Run(b.ctx, b.onEvent)
}

// watches reports whether the broker acts on events of doctype: those of
// its @event triggers, installed apps and OAuth clients.
func (b *Broker) watches(doctype string) bool {
	if doctype == AppsDoctype || doctype == ClientsDoctype {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, a := range b.triggers {
		if slices.ContainsFunc(a.rules, func(r eventRule) bool { return r.doctype == doctype }) {
			return true
		}
	}
	return false
}

func (b *Broker) onEvent(ev store.Event) {
	b.onAppEvent(ev)
	b.onClientEvent(ev)
	type hit struct {
		t        Trigger
		debounce time.Duration
	}
	var hits []hit
	b.mu.Lock()
	for _, a := range b.triggers {
		if a.rules == nil || !slices.ContainsFunc(a.rules, func(r eventRule) bool { return r.match(ev) }) {
			continue
		}
		var d time.Duration
		if a.t.Debounce != "" {
			if a.debounced {
				continue
			}
			d, _ = parseDuration(a.t.Debounce)
			a.debounced = true
		}
		hits = append(hits, hit{a.t, d})
	}
	b.mu.Unlock()
	if len(hits) == 0 {
		return
	}
	e := Event{Domain: b.inst.Domain, Doctype: ev.Doctype, Verb: string(ev.Verb), Doc: ev.Doc.Body}
	if ev.OldDoc != nil {
		e.OldDoc = ev.OldDoc.Body
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return
	}
	for _, h := range hits {
		req := Request{Worker: h.t.Worker, Message: h.t.Message, Options: h.t.Options, TriggerID: h.t.ID, Event: raw}
		if h.debounce == 0 {
			if _, err := b.Push(b.ctx, req); err != nil {
				b.cfg.Log.Error("jobs: @event trigger could not queue its job", "trigger", h.t.ID, "error", err)
			}
			continue
		}
		id := h.t.ID
		b.after(h.debounce, func() {
			b.mu.Lock()
			a, ok := b.triggers[id]
			if ok {
				a.debounced = false
			}
			b.mu.Unlock()
			if ok {
				if _, err := b.Push(b.ctx, req); err != nil {
					b.cfg.Log.Error("jobs: debounced trigger could not queue its job", "trigger", id, "error", err)
				}
			}
		})
	}
}
