package jobs

import (
	"encoding/json"
	"errors"
	"time"
)

// Doctypes of the documents this package stores.
const (
	JobsDoctype     = "io.cozy.jobs"
	TriggersDoctype = "io.cozy.triggers"
)

// State is the state of a job.
type State string

// Job states, as upstream.
const (
	Queued  State = "queued"
	Running State = "running"
	Done    State = "done"
	Errored State = "errored"
)

// Errors returned by the broker; test with errors.Is.
var (
	ErrNotFound      = errors.New("jobs: not found")
	ErrUnknownWorker = errors.New("jobs: unknown worker")
	ErrInvalid       = errors.New("jobs: invalid request")
	ErrClosed        = errors.New("jobs: broker closed")
)

// Options are a job's execution options. Timeout is in seconds.
type Options struct {
	Timeout      int `json:"timeout,omitempty"`
	MaxExecCount int `json:"max_exec_count,omitempty"`
}

// LogLine is one line a job's worker logged.
type LogLine struct {
	Time    time.Time `json:"time"`
	Level   string    `json:"level"`
	Message string    `json:"message"`
}

// Job is an io.cozy.jobs document.
type Job struct {
	ID         string          `json:"_id,omitempty"`
	Rev        string          `json:"_rev,omitempty"`
	Domain     string          `json:"domain"`
	Worker     string          `json:"worker"`
	TriggerID  string          `json:"trigger_id,omitempty"`
	Message    json.RawMessage `json:"message,omitempty"`
	Event      json.RawMessage `json:"event,omitempty"`
	Payload    json.RawMessage `json:"payload,omitempty"`
	Manual     bool            `json:"manual_execution,omitempty"`
	Options    *Options        `json:"options,omitempty"`
	State      State           `json:"state"`
	QueuedAt   time.Time       `json:"queued_at"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt time.Time       `json:"finished_at"`
	ExecCount  int             `json:"exec_count,omitempty"`
	Error      string          `json:"error,omitempty"`
	Errors     []string        `json:"errors,omitempty"`
	Logs       []LogLine       `json:"logs,omitempty"`
}

// Request asks for a job.
type Request struct {
	Worker    string
	Message   json.RawMessage
	Event     json.RawMessage
	Payload   json.RawMessage // the body of a @webhook call
	Options   *Options
	TriggerID string
	Manual    bool
}

// Event is what an @event trigger passes to its job, in Job.Event.
type Event struct {
	Domain  string          `json:"domain"`
	Doctype string          `json:"doctype"`
	Verb    string          `json:"verb"`
	Doc     json.RawMessage `json:"doc"`
	OldDoc  json.RawMessage `json:"old,omitempty"`
}
