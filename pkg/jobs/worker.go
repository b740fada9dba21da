package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
)

// Worker describes how jobs of one worker type run.
type Worker struct {
	// Concurrency bounds the jobs of this worker running at once per
	// instance (default 1).
	Concurrency int
	// MaxExecCount is the default number of executions, retries
	// included (default 3); a job's options override it.
	MaxExecCount int
	// Timeout is the default time limit of one execution (default 60 s);
	// a job's options override it.
	Timeout time.Duration
	// RetryDelay is the wait before a failed job runs again (default 1 min),
	// measured on the broker's Clock.
	RetryDelay time.Duration
	// Run does the work. Its error fails the execution.
	Run func(ctx context.Context, r *Run) error
	// External workers run outside the server (the "client" worker): their
	// jobs are created "running" and finished with Broker.PatchJob.
	External bool
}

// ClientWorker is the "client" worker: its jobs are run by a client, which
// reports their end with PATCH /jobs/:id.
func ClientWorker() Worker { return Worker{External: true} }

func (w Worker) withDefaults() Worker {
	if w.Concurrency <= 0 {
		w.Concurrency = 1
	}
	if w.MaxExecCount <= 0 {
		w.MaxExecCount = 3
	}
	if w.Timeout <= 0 {
		w.Timeout = time.Minute
	}
	if w.Run == nil {
		w.External = true
	}
	if w.RetryDelay <= 0 {
		w.RetryDelay = time.Minute
	}
	return w
}

// Run is one execution of a job, as a worker sees it.
type Run struct {
	Instance *instance.Instance
	Job      Job // a copy; changes are not saved
	now      func() time.Time
	broker   *Broker
	mu       sync.Mutex
	logs     []LogLine
}

// maxLogLines bounds the log lines kept on a job.
const maxLogLines = 500

// Log adds a line to the job's log (level: debug, info, warning, error).
func (r *Run) Log(level, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.logs) < maxLogLines {
		r.logs = append(r.logs, LogLine{Time: r.now().UTC(), Level: level, Message: msg})
	}
}

// PreviousJob returns the last finished job of the same trigger before
// this one, or nil (no trigger, first run).
func (r *Run) PreviousJob(ctx context.Context) (*Job, error) {
	if r.Job.TriggerID == "" || r.broker == nil {
		return nil, nil
	}
	js, err := r.broker.Jobs(ctx, func(j *Job) bool {
		return j.TriggerID == r.Job.TriggerID && j.ID != r.Job.ID && (j.State == Done || j.State == Errored)
	}, 0)
	if err != nil {
		return nil, err
	}
	var last *Job
	for _, j := range js {
		if last == nil || j.FinishedAt.After(last.FinishedAt) {
			last = j
		}
	}
	return last, nil
}

func (r *Run) takeLogs() []LogLine {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.logs
}

// LogWorker is the "log" worker: it logs the job's message.
func LogWorker(log *slog.Logger) Worker {
	return Worker{Run: func(ctx context.Context, r *Run) error {
		if log != nil {
			log.InfoContext(ctx, "log worker", "domain", r.Instance.Domain, "job", r.Job.ID, "message", string(r.Job.Message))
		}
		r.Log("info", string(r.Job.Message))
		return nil
	}}
}

// noRetry marks an error after which the job is not executed again.
type noRetry struct{ err error }

func (e noRetry) Error() string { return e.err.Error() }
func (e noRetry) Unwrap() error { return e.err }

// NoRetry wraps an error of a worker so that the job ends errored at once,
// whatever executions are left (e.g. a konnector's LOGIN_FAILED: trying
// again would only lock the user's account).
func NoRetry(err error) error {
	if err == nil {
		return nil
	}
	return noRetry{err}
}

func isNoRetry(err error) bool {
	var nr noRetry
	return errors.As(err, &nr)
}

// safeRun runs w.Run, turning a panic into an error.
func safeRun(ctx context.Context, w Worker, r *Run) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("worker panicked: %v", p)
		}
	}()
	return w.Run(ctx, r)
}
