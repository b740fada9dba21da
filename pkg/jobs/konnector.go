package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/services"
)

// KonnectorMessage is the message of a "konnector" job, as upstream: the
// konnector's slug and the account it runs for. The whole message is
// given to the konnector in COZY_FIELDS.
type KonnectorMessage struct {
	Konnector string `json:"konnector"`
	Account   string `json:"account,omitempty"`
}

// KonnectorPackage is what the konnector worker runs.
type KonnectorPackage struct {
	Script     []byte          // the bundled entry point
	Language   string          // COZY_LANGUAGE ("node")
	Parameters json.RawMessage // COZY_PARAMETERS (the manifest's "parameters"), may be nil
}

// KonnectorWorker runs an installed konnector in the services sandbox with
// the environment of upstream's konnector worker (COZY_FIELDS,
// COZY_PAYLOAD, COZY_PARAMETERS, COZY_TRIGGER_ID,
// COZY_JOB_MANUAL_EXECUTION and those of services).
//
// A konnector reports through its output: a log line that is a JSON
// object {"type": "...", "message": "..."} is kept with that level, and a
// type "error" or "critical" fails the job with its message, as does an
// uncaught error, a non-zero exit or a limit. LOGIN_FAILED and
// USER_ACTION_NEEDED (but .CGU_FORM) are not retried, and the automatic
// runs of the same trigger are then refused until a manual run succeeds.
type KonnectorWorker struct {
	// Runner starts the sandboxed child.
	Runner *services.Runner
	// Package returns the installed konnector's entry point.
	Package func(ctx context.Context, inst *instance.Instance, slug string) (*KonnectorPackage, error)
	// Credentials returns the konnector token given in COZY_CREDENTIALS.
	Credentials func(ctx context.Context, inst *instance.Instance, slug string) (string, error)
	// URL returns the instance's URL (COZY_URL).
	URL func(inst *instance.Instance) string
	// Limits of one run; Wall is capped by the job's timeout.
	Limits services.Limits
}

// Worker returns the "konnector" worker: one run at a time per instance,
// 5 minutes by default, 2 executions at most (upstream's defaults are
// close).
func (k *KonnectorWorker) Worker() Worker {
	return Worker{Concurrency: 1, MaxExecCount: 2, Timeout: 5 * time.Minute, Run: k.run}
}

func (k *KonnectorWorker) run(ctx context.Context, r *Run) error {
	var msg KonnectorMessage
	if err := json.Unmarshal(r.Job.Message, &msg); err != nil || msg.Konnector == "" {
		return fmt.Errorf("%w: a konnector job needs a message with the konnector's slug", ErrInvalid)
	}
	if k.Package == nil || k.Credentials == nil || k.URL == nil || k.Runner == nil {
		return errors.New("konnectors are not configured")
	}
	if !r.Job.Manual && r.Job.TriggerID != "" {
		prev, err := r.PreviousJob(ctx)
		if err != nil {
			return err
		}
		if prev != nil && prev.State == Errored {
			if last := strings.TrimPrefix(prev.Error, "konnector "+msg.Konnector+": "); userActionNeeded(last) {
				// The message keeps the failure first, so that the next
				// automatic run is refused too.
				return NoRetry(fmt.Errorf("konnector %s: %s (not run automatically again: a manual run is needed)", msg.Konnector, strings.TrimSuffix(last, skippedSuffix)))
			}
		}
	}
	pkg, err := k.Package(ctx, r.Instance, msg.Konnector)
	if err != nil {
		return fmt.Errorf("konnector %s: %w", msg.Konnector, err)
	}
	tok, err := k.Credentials(ctx, r.Instance, msg.Konnector)
	if err != nil {
		return fmt.Errorf("konnector %s: token: %w", msg.Konnector, err)
	}
	limits := k.Limits
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); limits.Wall == 0 || left < limits.Wall {
			limits.Wall = left
		}
	}
	lang := pkg.Language
	if lang == "" {
		lang = "node"
	}
	params := "{}"
	if len(pkg.Parameters) > 0 {
		params = string(pkg.Parameters)
	}
	res := k.Runner.Run(ctx, services.Spec{
		Name:   "konnector " + msg.Konnector,
		Script: pkg.Script,
		Env: services.Env{URL: k.URL(r.Instance), Credentials: tok, JobID: r.Job.ID, Language: lang,
			Locale: r.Instance.Locale, Fields: string(r.Job.Message), Payload: string(r.Job.Payload),
			Parameters: params, TriggerID: r.Job.TriggerID, ManualExecution: strconv.FormatBool(r.Job.Manual)},
		Limits: limits,
	})
	var failure string
	for _, l := range res.Logs {
		level, text := konnectorEvent(l)
		r.Log(level, text)
		if (level == "error" || level == "critical") && failure == "" && strings.HasPrefix(strings.TrimSpace(l.Message), "{") {
			failure = text
		}
	}
	if res.Err != nil {
		return res.Err
	}
	if failure != "" {
		err := fmt.Errorf("konnector %s: %s", msg.Konnector, failure)
		if userActionNeeded(failure) {
			return NoRetry(err)
		}
		return err
	}
	return nil
}

const skippedSuffix = " (not run automatically again: a manual run is needed)"

// userActionNeeded reports the errors that only the user can fix on the
// provider's site: running again would only lock the account.
func userActionNeeded(msg string) bool {
	return strings.HasPrefix(msg, "LOGIN_FAILED") ||
		(strings.HasPrefix(msg, "USER_ACTION_NEEDED") && !strings.HasPrefix(msg, "USER_ACTION_NEEDED.CGU_FORM"))
}

// konnectorEvent reads a log line of a konnector: a JSON object with a
// type and a message is an event of that level; other lines keep theirs.
func konnectorEvent(l services.LogLine) (level, text string) {
	var ev struct {
		Type    string `json:"type"`
		Message any    `json:"message"`
	}
	s := strings.TrimSpace(l.Message)
	if !strings.HasPrefix(s, "{") || json.Unmarshal([]byte(s), &ev) != nil || ev.Type == "" {
		return l.Level, l.Message
	}
	switch ev.Type {
	case "debug", "info", "warning", "error", "critical":
	default:
		return l.Level, l.Message
	}
	switch m := ev.Message.(type) {
	case string:
		return ev.Type, m
	case nil:
		return ev.Type, ""
	default:
		b, _ := json.Marshal(m)
		return ev.Type, string(b)
	}
}
