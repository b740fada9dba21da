package jobs

import (
	"encoding/json"
	"net/http"

	pjobs "github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// workerDoc lets permission rules with selector "worker" match jobs and
// triggers.
type workerDoc struct{ id, worker string }

func (d workerDoc) DocID() string { return d.id }
func (d workerDoc) FieldValues(field string) []string {
	if field == "worker" {
		return []string{d.worker}
	}
	return nil
}

// requireWorker checks a POST on io.cozy.jobs or io.cozy.triggers for one
// worker. As upstream, an app or konnector must hold a rule restricted to
// workers (selector "worker"): a rule on the whole doctype is not enough.
func (h *Handler) requireWorker(c *gin.Context, doctype, worker string) error {
	if err := h.Auth.RequireDoc(c, permission.POST, doctype, workerDoc{worker: worker}); err != nil {
		return err
	}
	p, err := h.Auth.Permission(c)
	if err != nil {
		return err
	}
	if p.Type != permission.TypeApp && p.Type != permission.TypeKonnector {
		return nil
	}
	q := *p
	q.Rules = nil
	for _, r := range p.Rules {
		if !r.IsWhole() {
			q.Rules = append(q.Rules, r)
		}
	}
	if err := q.AllowDoc(permission.POST, doctype, workerDoc{worker: worker}); err != nil {
		return httperr.Forbidden("a permission on " + doctype + " restricted to the worker " + worker + " is required")
	}
	return nil
}

// attributes reads a JSON:API body {"data":{"attributes":...}} into attrs.
func attributes(c *gin.Context, attrs any) error {
	var body struct {
		Data struct {
			Attributes json.RawMessage `json:"attributes"`
		} `json:"data"`
	}
	if err := request.JSON(c, request.JSONBody, &body); err != nil {
		return err
	}
	if len(body.Data.Attributes) == 0 {
		body.Data.Attributes = json.RawMessage(`{}`)
	}
	return request.Decode(body.Data.Attributes, attrs)
}

// jobObject is the JSON:API resource of a job.
func jobObject(j *pjobs.Job) jsonapi.Object {
	attrs := map[string]any{
		"domain": j.Domain, "worker": j.Worker, "options": j.Options, "state": j.State,
		"queued_at": j.QueuedAt, "started_at": j.StartedAt, "error": j.Error,
		"exec_count": j.ExecCount, "logs": j.Logs,
	}
	if len(j.Message) > 0 {
		attrs["arguments"] = j.Message
	}
	if j.TriggerID != "" {
		attrs["trigger_id"] = j.TriggerID
	}
	if len(j.Event) > 0 {
		attrs["event"] = j.Event
	}
	if !j.FinishedAt.IsZero() {
		attrs["finished_at"] = j.FinishedAt
	}
	if j.Manual {
		attrs["manual_execution"] = true
	}
	return jsonapi.Object{Type: pjobs.JobsDoctype, ID: j.ID, Attributes: attrs,
		Links: map[string]any{"self": "/jobs/" + j.ID}}.WithRev(j.Rev)
}

// jobList writes a list of jobs.
func jobList(c *gin.Context, js []*pjobs.Job) error {
	objs := make([]jsonapi.Object, 0, len(js))
	for _, j := range js {
		objs = append(objs, jobObject(j))
	}
	return jsonapi.List(c, http.StatusOK, objs, len(objs), "")
}

// triggerObject is the JSON:API resource of a trigger.
func triggerObject(t *pjobs.Trigger) jsonapi.Object {
	attrs := map[string]any{"domain": t.Domain, "type": t.Type, "arguments": t.Arguments, "worker": t.Worker,
		"options": t.Options, "cozyMetadata": t.Metadata}
	if t.Debounce != "" {
		attrs["debounce"] = t.Debounce
	}
	if len(t.Message) > 0 {
		attrs["message"] = t.Message
	}
	links := map[string]any{"self": "/jobs/triggers/" + t.ID}
	if t.Type == pjobs.TypeWebhook {
		links["webhook"] = "/jobs/webhooks/" + t.ID
	}
	return jsonapi.Object{Type: pjobs.TriggersDoctype, ID: t.ID, Attributes: attrs, Links: links}.WithRev(t.Rev)
}
