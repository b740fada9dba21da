package jobs

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	pjobs "github.com/cozypi/cozy/pkg/jobs"
)

// TestResourceShapes: jobs and triggers render as upstream's JSON:API
// resources (type, id, meta.rev, links, optional attributes only when set).
func TestResourceShapes(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		obj  any
		want []string
		not  []string
	}{
		{"queued job", jobObject(&pjobs.Job{ID: "j1", Rev: "1-a", Worker: "log", State: pjobs.Queued, QueuedAt: at}),
			[]string{`"type":"io.cozy.jobs"`, `"id":"j1"`, `"rev":"1-a"`, `"self":"/jobs/j1"`, `"state":"queued"`},
			[]string{"finished_at", "trigger_id", "manual_execution", "arguments"}},
		{"finished manual job", jobObject(&pjobs.Job{ID: "j2", Worker: "log", TriggerID: "t1", Manual: true, FinishedAt: at,
			Message: json.RawMessage(`{"a":1}`)}),
			[]string{`"trigger_id":"t1"`, `"manual_execution":true`, `"finished_at"`, `"arguments":{"a":1}`}, []string{`"meta"`}},
		{"webhook trigger", triggerObject(&pjobs.Trigger{ID: "t1", Rev: "2-b", Type: pjobs.TypeWebhook, Worker: "log"}),
			[]string{`"type":"io.cozy.triggers"`, `"webhook":"/jobs/webhooks/t1"`, `"rev":"2-b"`}, []string{"debounce", `"message"`}},
		{"event trigger", triggerObject(&pjobs.Trigger{ID: "t2", Type: pjobs.TypeEvent, Arguments: "io.cozy.notes", Debounce: "1m", Worker: "log"}),
			[]string{`"debounce":"1m"`, `"self":"/jobs/triggers/t2"`}, []string{"webhook"}},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.obj)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s: lacks %s in %s", tt.name, w, b)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(string(b), n) {
				t.Errorf("%s: holds %s in %s", tt.name, n, b)
			}
		}
	}
}
