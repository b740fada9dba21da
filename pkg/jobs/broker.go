package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/cozypi/cozy/pkg/ident"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/realtime/follow"
	"github.com/cozypi/cozy/pkg/store"
)

// Config is shared by the brokers of all instances.
type Config struct {
	// Workers by name ("log", "service"...).
	Workers map[string]Worker
	// Clock defaults to RealClock.
	Clock Clock
	// Log defaults to slog.Default().
	Log *slog.Logger
	// EventBuffer is the event subscription's buffer (default 1024): how
	// far @event triggers may lag behind writes before the broker catches
	// up from the store's changes feed.
	EventBuffer int
}

// Broker queues and runs the jobs of one instance and fires its triggers.
type Broker struct {
	inst   *instance.Instance
	st     store.Store
	cfg    Config
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // workers and the event listener
	timed  sync.WaitGroup // timer callbacks running (see after)
	events *follow.Follower

	mu       sync.Mutex
	queues   map[string]*queue
	triggers map[string]*armed
	timers   map[*timer]struct{} // pending timers, stopped by Close
	closed   bool
}

// armed is a loaded trigger with its timer or event rules.
type armed struct {
	t         Trigger
	sched     schedule
	rules     []eventRule
	stop      func() bool
	debounced bool
}

// queue holds the ids of the queued jobs of one worker.
type queue struct {
	ids  []string
	wake chan struct{}
}

// NewBroker returns a broker for inst over its store; call Start.
func NewBroker(inst *instance.Instance, st store.Store, cfg Config) *Broker {
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.EventBuffer <= 0 {
		cfg.EventBuffer = 1024
	}
	ws := make(map[string]Worker, len(cfg.Workers))
	for name, w := range cfg.Workers {
		ws[name] = w.withDefaults()
	}
	cfg.Workers = ws
	cfg.Log = cfg.Log.With("domain", inst.Domain)
	return &Broker{inst: inst, st: st, cfg: cfg, queues: map[string]*queue{}, triggers: map[string]*armed{},
		timers: map[*timer]struct{}{}}
}

// Start resumes the queued jobs (and those a stop interrupted), arms the
// triggers, subscribes to the store's events and starts the workers. The
// broker runs until Close.
func (b *Broker) Start(ctx context.Context) error {
	b.ctx, b.cancel = context.WithCancel(context.WithoutCancel(ctx))
	for name, w := range b.cfg.Workers {
		if w.External {
			continue
		}
		q := &queue{wake: make(chan struct{}, 1)}
		b.queues[name] = q
		for range w.Concurrency {
			b.wg.Add(1)
			go b.loop(name, q)
		}
	}
	var resume []Job
	err := all(ctx, b.st, JobsDoctype, func(raw json.RawMessage) error {
		var j Job
		if err := json.Unmarshal(raw, &j); err != nil {
			return err
		}
		if (j.State == Queued || j.State == Running) && !b.cfg.Workers[j.Worker].External {
			resume = append(resume, j)
		}
		return nil
	})
	if err != nil {
		b.Close()
		return err
	}
	slices.SortFunc(resume, func(a, c Job) int { return a.QueuedAt.Compare(c.QueuedAt) })
	for _, j := range resume {
		if j.State == Running {
			j.State = Queued
			if j.Rev, err = put(ctx, b.st, JobsDoctype, j.ID, j.Rev, &j); err != nil {
				b.Close()
				return err
			}
		}
		b.enqueue(j.Worker, j.ID)
	}
	var trigs []Trigger
	err = all(ctx, b.st, TriggersDoctype, func(raw json.RawMessage) error {
		var t Trigger
		if err := json.Unmarshal(raw, &t); err != nil {
			return err
		}
		trigs = append(trigs, t)
		return nil
	})
	if err != nil {
		b.Close()
		return err
	}
	for _, t := range trigs {
		if err := b.arm(t); err != nil {
			b.cfg.Log.Warn("jobs: trigger not armed", "trigger", t.ID, "error", err)
		}
	}
	// Follow the events before returning so that no write after Start is
	// missed; a catch-up re-reads only the doctypes the broker watches.
	if b.events, err = follow.New(ctx, b.st, follow.Options{Buffer: b.cfg.EventBuffer, Replay: b.watches, Log: b.cfg.Log}); err != nil {
		b.Close()
		return err
	}
	b.wg.Add(1)
	go b.listen()
	b.cfg.Log.Debug("jobs: broker started", "resumed", len(resume), "triggers", len(trigs))
	return nil
}

// Close stops the triggers and timers and waits for the running jobs and
// timer callbacks to end (the jobs' context is cancelled: they are saved as
// queued and resume at next start).
func (b *Broker) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	for t := range b.timers {
		t.stop()
	}
	clear(b.timers)
	b.mu.Unlock()
	if b.cancel != nil {
		b.cancel()
	}
	if b.events != nil {
		b.events.Close()
	}
	b.wg.Wait()
	b.timed.Wait()
}

// Workers lists the worker names, sorted.
func (b *Broker) Workers() []string {
	names := make([]string, 0, len(b.cfg.Workers))
	for n := range b.cfg.Workers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Push queues a job.
func (b *Broker) Push(ctx context.Context, req Request) (*Job, error) {
	if _, ok := b.cfg.Workers[req.Worker]; !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownWorker, req.Worker)
	}
	if len(req.Message) > 0 && !json.Valid(req.Message) {
		return nil, fmt.Errorf("%w: message is not JSON", ErrInvalid)
	}
	if req.Options != nil && (req.Options.Timeout < 0 || req.Options.MaxExecCount < 0) {
		return nil, fmt.Errorf("%w: negative option", ErrInvalid)
	}
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	j := &Job{
		ID: ident.DocID(), Domain: b.inst.Domain, Worker: req.Worker,
		TriggerID: req.TriggerID, Message: req.Message, Event: req.Event, Payload: req.Payload, Manual: req.Manual,
		Options: req.Options, State: Queued, QueuedAt: b.cfg.Clock.Now().UTC(),
	}
	external := b.cfg.Workers[req.Worker].External
	if external {
		j.State, j.StartedAt = Running, j.QueuedAt
	}
	rev, err := put(ctx, b.st, JobsDoctype, j.ID, "", j)
	if err != nil {
		return nil, err
	}
	j.Rev = rev
	if !external {
		b.enqueue(j.Worker, j.ID)
	}
	return j, nil
}

// PatchJob records the end (or progress) of a job of an external worker:
// state is running, done or errored; errMsg is kept with errored.
func (b *Broker) PatchJob(ctx context.Context, id string, state State, errMsg string) (*Job, error) {
	j, err := b.Job(ctx, id)
	if err != nil {
		return nil, err
	}
	if !b.cfg.Workers[j.Worker].External {
		return nil, fmt.Errorf("%w: job %s of worker %q is run by the server", ErrInvalid, id, j.Worker)
	}
	switch state {
	case Running, Done, Errored:
	default:
		return nil, fmt.Errorf("%w: state %q", ErrInvalid, state)
	}
	j.State, j.Error = state, ""
	if state == Errored {
		j.Error = errMsg
	}
	if state != Running {
		j.FinishedAt = b.cfg.Clock.Now().UTC()
	}
	if j.Rev, err = put(ctx, b.st, JobsDoctype, j.ID, j.Rev, j); err != nil {
		return nil, err
	}
	return j, nil
}

// Job returns a job.
func (b *Broker) Job(ctx context.Context, id string) (*Job, error) {
	var j Job
	if err := get(ctx, b.st, JobsDoctype, id, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// Jobs lists the jobs accepted by keep, most recently queued first; limit
// <= 0 means no limit.
func (b *Broker) Jobs(ctx context.Context, keep func(*Job) bool, limit int) ([]*Job, error) {
	var out []*Job
	err := all(ctx, b.st, JobsDoctype, func(raw json.RawMessage) error {
		j := new(Job)
		if err := json.Unmarshal(raw, j); err != nil {
			return err
		}
		if keep == nil || keep(j) {
			out = append(out, j)
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, c *Job) int { return c.QueuedAt.Compare(a.QueuedAt) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

func (b *Broker) enqueue(worker, id string) {
	b.mu.Lock()
	q, ok := b.queues[worker]
	if ok {
		q.ids = append(q.ids, id)
	}
	b.mu.Unlock()
	if !ok {
		b.fail(id, fmt.Errorf("%w %q", ErrUnknownWorker, worker))
		return
	}
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// fail marks a job errored without running it.
func (b *Broker) fail(id string, cause error) {
	j, err := b.Job(b.ctx, id)
	if err != nil {
		return
	}
	j.State, j.Error, j.FinishedAt = Errored, cause.Error(), b.cfg.Clock.Now().UTC()
	if _, err := put(b.ctx, b.st, JobsDoctype, j.ID, j.Rev, j); err != nil {
		b.cfg.Log.Error("jobs: saving job", "job", id, "error", err)
	}
}

func (b *Broker) pop(q *queue) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(q.ids) == 0 {
		return "", false
	}
	id := q.ids[0]
	q.ids = q.ids[1:]
	if len(q.ids) > 0 {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	return id, true
}

func (b *Broker) loop(worker string, q *queue) {
	defer b.wg.Done()
	for {
		id, ok := b.pop(q)
		if !ok {
			select {
			case <-b.ctx.Done():
				return
			case <-q.wake:
				continue
			}
		}
		if b.ctx.Err() != nil {
			return
		}
		b.execute(worker, id)
	}
}

// execute runs one execution of a queued job and saves the outcome.
func (b *Broker) execute(worker, id string) {
	ctx := b.ctx
	log := b.cfg.Log.With("job", id, "worker", worker)
	j, err := b.Job(ctx, id)
	if err != nil {
		log.Error("jobs: loading job", "error", err)
		return
	}
	if j.State != Queued {
		return
	}
	w := b.cfg.Workers[worker]
	maxExec, timeout := w.MaxExecCount, w.Timeout
	if o := j.Options; o != nil {
		if o.MaxExecCount > 0 {
			maxExec = o.MaxExecCount
		}
		if o.Timeout > 0 {
			timeout = time.Duration(o.Timeout) * time.Second
		}
	}
	now := b.cfg.Clock.Now().UTC()
	j.State, j.ExecCount = Running, j.ExecCount+1
	if j.StartedAt.IsZero() {
		j.StartedAt = now
	}
	if j.Rev, err = put(ctx, b.st, JobsDoctype, j.ID, j.Rev, j); err != nil {
		log.Error("jobs: saving job", "error", err)
		return
	}
	run := &Run{Instance: b.inst, Job: *j, now: b.cfg.Clock.Now, broker: b}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	runErr := safeRun(rctx, w, run)
	if runErr == nil && rctx.Err() == context.DeadlineExceeded {
		runErr = fmt.Errorf("timeout after %s", timeout)
	}
	cancel()
	j.Logs = append(j.Logs, run.takeLogs()...)
	if len(j.Logs) > maxLogLines {
		j.Logs = j.Logs[len(j.Logs)-maxLogLines:]
	}
	retry := false
	switch {
	case ctx.Err() != nil:
		// The broker is stopping: the job resumes at next start.
		j.State, j.ExecCount = Queued, j.ExecCount-1
		ctx = context.WithoutCancel(ctx)
	case runErr == nil:
		j.State, j.Error, j.FinishedAt = Done, "", b.cfg.Clock.Now().UTC()
	default:
		if errors.Is(runErr, context.DeadlineExceeded) {
			runErr = fmt.Errorf("timeout after %s: %w", timeout, runErr)
		}
		j.Error = runErr.Error()
		j.Errors = append(j.Errors, runErr.Error())
		if j.ExecCount < maxExec && !isNoRetry(runErr) {
			j.State, retry = Queued, true
		} else {
			j.State, j.FinishedAt = Errored, b.cfg.Clock.Now().UTC()
		}
		log.Info("jobs: execution failed", "exec_count", j.ExecCount, "retry", retry, "error", runErr)
	}
	if j.Rev, err = put(ctx, b.st, JobsDoctype, j.ID, j.Rev, j); err != nil {
		log.Error("jobs: saving job", "error", err)
		return
	}
	if retry {
		b.after(w.RetryDelay, func() { b.enqueue(worker, id) })
	}
}
