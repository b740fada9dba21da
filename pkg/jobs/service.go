package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/services"
)

// ServiceMessage is the message of a "service" job, as upstream.
type ServiceMessage struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
	Type string `json:"type"`
	File string `json:"file"`
}

// ServiceWorker runs an app's service in the services sandbox.
type ServiceWorker struct {
	// Runner starts the sandboxed child.
	Runner *services.Runner
	// Script returns the bundled service file of an app.
	Script func(ctx context.Context, inst *instance.Instance, slug, file string) ([]byte, error)
	// Credentials returns the token the service gets in COZY_CREDENTIALS.
	Credentials func(ctx context.Context, inst *instance.Instance, slug string) (string, error)
	// URL returns the instance's URL (COZY_URL).
	URL func(inst *instance.Instance) string
	// Limits of one run; Wall is capped by the job's timeout.
	Limits services.Limits
}

// Worker returns the "service" worker. A service job runs once by default
// (no retry: a service that loops or exhausts its memory would do it
// again); a job's max_exec_count option asks for more.
func (s *ServiceWorker) Worker() Worker {
	return Worker{Concurrency: 1, MaxExecCount: 1, Timeout: 5 * time.Minute, Run: s.run}
}

func (s *ServiceWorker) run(ctx context.Context, r *Run) error {
	var msg ServiceMessage
	if err := json.Unmarshal(r.Job.Message, &msg); err != nil || msg.Slug == "" || msg.File == "" {
		return fmt.Errorf("%w: a service job needs a message with slug and file", ErrInvalid)
	}
	if s.Script == nil || s.Credentials == nil || s.URL == nil || s.Runner == nil {
		return errors.New("services are not configured")
	}
	script, err := s.Script(ctx, r.Instance, msg.Slug, msg.File)
	if err != nil {
		return fmt.Errorf("service %s/%s: %w", msg.Slug, msg.File, err)
	}
	tok, err := s.Credentials(ctx, r.Instance, msg.Slug)
	if err != nil {
		return fmt.Errorf("service %s: token: %w", msg.Slug, err)
	}
	limits := s.Limits
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); limits.Wall == 0 || left < limits.Wall {
			limits.Wall = left
		}
	}
	couchDoc := "{}"
	if len(r.Job.Event) > 0 {
		var ev Event
		if json.Unmarshal(r.Job.Event, &ev) == nil && len(ev.Doc) > 0 {
			couchDoc = string(ev.Doc)
		}
	}
	name := msg.Name
	if name == "" {
		name = msg.Slug + "/" + msg.File
	}
	res := s.Runner.Run(ctx, services.Spec{
		Name:   name,
		Script: script,
		Env: services.Env{URL: s.URL(r.Instance), Credentials: tok, JobID: r.Job.ID, CouchDoc: couchDoc,
			Language: "node", Locale: r.Instance.Locale, Payload: string(r.Job.Payload)},
		Limits: limits,
	})
	for _, l := range res.Logs {
		r.Log(l.Level, l.Message)
	}
	return res.Err
}
