package jobs

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Trigger kinds.
const (
	TypeAt    = "@at"
	TypeIn    = "@in"
	TypeEvery = "@every"
	TypeCron  = "@cron"
	TypeEvent = "@event"
	// TypeWebhook triggers run when POST /jobs/webhooks/:id is called.
	TypeWebhook = "@webhook"
	// TypeClient triggers only run when launched; their jobs are run by a
	// client (the "client" worker).
	TypeClient = "@client"
)

// Trigger is an io.cozy.triggers document.
type Trigger struct {
	ID        string          `json:"_id,omitempty"`
	Rev       string          `json:"_rev,omitempty"`
	Domain    string          `json:"domain"`
	Type      string          `json:"type"`
	Arguments string          `json:"arguments"`
	Debounce  string          `json:"debounce,omitempty"`
	Worker    string          `json:"worker"`
	Message   json.RawMessage `json:"message,omitempty"`
	Options   *Options        `json:"options,omitempty"`
	Metadata  Metadata        `json:"cozyMetadata"`
}

// Metadata are the dates kept on a trigger; @in counts from CreatedAt.
type Metadata struct {
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// CreatedByApp is the app whose manifest declared the trigger.
	CreatedByApp string `json:"createdByApp,omitempty"`
	// FromManifest marks the triggers of manifest services, which the
	// broker creates, replaces and deletes with their app.
	FromManifest bool `json:"fromManifest,omitempty"`
}

// cronParser reads upstream's six-field @cron syntax (seconds first).
var cronParser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// schedule is the parsed time condition of a trigger: next returns the
// first firing time strictly after `after`, or the zero time when the
// trigger never fires again.
type schedule interface {
	next(t *Trigger, after time.Time) time.Time
	once() bool
}

type atSchedule struct{ at time.Time }

func (s atSchedule) next(_ *Trigger, _ time.Time) time.Time { return s.at }
func (atSchedule) once() bool                               { return true }

type inSchedule struct{ d time.Duration }

func (s inSchedule) next(t *Trigger, _ time.Time) time.Time { return t.Metadata.CreatedAt.Add(s.d) }
func (inSchedule) once() bool                               { return true }

type everySchedule struct{ d time.Duration }

func (s everySchedule) next(_ *Trigger, after time.Time) time.Time { return after.Add(s.d) }
func (everySchedule) once() bool                                   { return false }

type cronSchedule struct{ s cron.Schedule }

func (s cronSchedule) next(_ *Trigger, after time.Time) time.Time { return s.s.Next(after) }
func (cronSchedule) once() bool                                   { return false }

// parseDuration accepts time.ParseDuration's syntax with units of a second
// or more, as upstream does for @in and @every.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	if d < time.Second {
		return 0, fmt.Errorf("duration %q is below one second", s)
	}
	return d, nil
}

// Validate checks a trigger's type, arguments, debounce and worker name
// and returns its parsed time schedule (nil for @event).
func (t *Trigger) validate() (schedule, []eventRule, error) {
	if t.Worker == "" {
		return nil, nil, fmt.Errorf("%w: a trigger needs a worker", ErrInvalid)
	}
	if t.Debounce != "" {
		if _, err := parseDuration(t.Debounce); err != nil {
			return nil, nil, fmt.Errorf("%w: debounce: %w", ErrInvalid, err)
		}
	}
	if len(t.Message) > 0 && !json.Valid(t.Message) {
		return nil, nil, fmt.Errorf("%w: message is not JSON", ErrInvalid)
	}
	args := strings.TrimSpace(t.Arguments)
	switch t.Type {
	case TypeAt:
		at, err := time.Parse(time.RFC3339Nano, args)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: @at wants an ISO-8601 date: %w", ErrInvalid, err)
		}
		return atSchedule{at}, nil, nil
	case TypeIn, TypeEvery:
		d, err := parseDuration(args)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s: %w", ErrInvalid, t.Type, err)
		}
		if t.Type == TypeIn {
			return inSchedule{d}, nil, nil
		}
		return everySchedule{d}, nil, nil
	case TypeCron:
		if len(strings.Fields(args)) != 6 {
			return nil, nil, fmt.Errorf("%w: @cron wants six fields, got %q", ErrInvalid, args)
		}
		s, err := cronParser.Parse(args)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: @cron: %w", ErrInvalid, err)
		}
		return cronSchedule{s}, nil, nil
	case TypeHourly, TypeDaily, TypeWeekly, TypeMonthly:
		spec, err := periodicSpec(t.Type, args, seedOf(t.ID))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s: %w", ErrInvalid, t.Type, err)
		}
		s, err := cronParser.Parse(spec)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s: %w", ErrInvalid, t.Type, err)
		}
		return cronSchedule{s}, nil, nil
	case TypeWebhook, TypeClient:
		if args != "" {
			return nil, nil, fmt.Errorf("%w: %s takes no arguments", ErrInvalid, t.Type)
		}
		if t.Type == TypeClient && t.Worker != "client" {
			return nil, nil, fmt.Errorf("%w: @client is only for the client worker", ErrInvalid)
		}
		return nil, nil, nil
	case TypeEvent:
		rules, err := parseEventRules(args)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: @event: %w", ErrInvalid, err)
		}
		return nil, rules, nil
	default:
		return nil, nil, fmt.Errorf("%w: trigger type %q is not supported", ErrInvalid, t.Type)
	}
}
