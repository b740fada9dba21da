package jobs

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/cozypi/cozy/pkg/apps"

	"github.com/cozypi/cozy/pkg/instance"
	pjobs "github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// Handler serves /jobs.
type Handler struct {
	Jobs *pjobs.Manager
	// Apps reads installed konnectors' manifests (POST /konnectors/:slug/trigger).
	Apps *apps.Manager
	Auth *middleware.Auth
	Log  *slog.Logger
}

// maxBody bounds request bodies.
const maxBody = 1 << 20

// Register adds the /jobs routes.
func (h *Handler) Register(r gin.IRouter) {
	g := r.Group("/jobs")
	g.POST("/queue/:worker", h.pushJob)
	g.GET("/queue/:worker", h.listQueue)
	g.POST("/triggers", h.addTrigger)
	g.GET("/triggers", h.listTriggers)
	g.GET("/triggers/:id", h.getTrigger)
	g.PATCH("/triggers/:id", h.patchTrigger)
	g.DELETE("/triggers/:id", h.deleteTrigger)
	g.GET("/triggers/:id/state", h.triggerState)
	g.GET("/triggers/:id/jobs", h.triggerJobs)
	g.POST("/triggers/:id/launch", h.launch)
	g.POST("/webhooks/:id", h.webhook)
	g.GET("/:id", h.getJob)
	g.PATCH("/:id", h.patchJob)
	r.POST("/konnectors/:slug/trigger", h.konnectorTrigger)
}

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

// allowWorker checks a POST on io.cozy.jobs or io.cozy.triggers for one
// worker. As upstream, an app or konnector must hold a rule restricted to
// workers (selector "worker"): a rule on the whole doctype is not enough.
func (h *Handler) allowWorker(c *gin.Context, doctype, worker string) bool {
	return h.Auth.AllowDoc(c, permission.POST, doctype, workerDoc{worker: worker}) && h.restricted(c, doctype, worker)
}

func (h *Handler) restricted(c *gin.Context, doctype, worker string) bool {
	p, err := h.Auth.Permission(c)
	if err != nil {
		httperr.JSONAPI(c, err)
		return false
	}
	if p.Type != permission.TypeApp && p.Type != permission.TypeKonnector {
		return true
	}
	q := *p
	q.Rules = nil
	for _, r := range p.Rules {
		if !r.IsWhole() {
			q.Rules = append(q.Rules, r)
		}
	}
	if err := q.AllowDoc(permission.POST, doctype, workerDoc{worker: worker}); err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusForbidden, "a permission on "+doctype+" restricted to the worker "+worker+" is required"))
		return false
	}
	return true
}

// render maps pkg/jobs errors to HTTP statuses.
func render(c *gin.Context, err error) {
	switch {
	case errors.Is(err, pjobs.ErrNotFound):
		err = httperr.New(http.StatusNotFound, err.Error())
	case errors.Is(err, pjobs.ErrUnknownWorker), errors.Is(err, pjobs.ErrInvalid):
		err = httperr.New(http.StatusBadRequest, err.Error())
	}
	httperr.JSONAPI(c, err)
}

func (h *Handler) broker(c *gin.Context) (*pjobs.Broker, *instance.Instance, bool) {
	inst := middleware.GetInstance(c)
	b, err := h.Jobs.For(inst)
	if err != nil {
		render(c, err)
		return nil, nil, false
	}
	return b, inst, true
}

// allowed asks the permission without rendering (for list filtering).
func (h *Handler) allowed(c *gin.Context, v permission.Verb, doctype string, d workerDoc) bool {
	p, err := h.Auth.Permission(c)
	return err == nil && p.AllowDoc(v, doctype, d) == nil
}

// jobData is the JSON:API resource of a job.
func jobData(j *pjobs.Job) gin.H {
	attrs := gin.H{
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
	return gin.H{"type": pjobs.JobsDoctype, "id": j.ID, "attributes": attrs,
		"meta": gin.H{"rev": j.Rev}, "links": gin.H{"self": "/jobs/" + j.ID}}
}

// triggerData is the JSON:API resource of a trigger.
func triggerData(t *pjobs.Trigger) gin.H {
	attrs := gin.H{"domain": t.Domain, "type": t.Type, "arguments": t.Arguments, "worker": t.Worker,
		"options": t.Options, "cozyMetadata": t.Metadata}
	if t.Debounce != "" {
		attrs["debounce"] = t.Debounce
	}
	if len(t.Message) > 0 {
		attrs["message"] = t.Message
	}
	links := gin.H{"self": "/jobs/triggers/" + t.ID}
	if t.Type == pjobs.TypeWebhook {
		links["webhook"] = "/jobs/webhooks/" + t.ID
	}
	return gin.H{"type": pjobs.TriggersDoctype, "id": t.ID, "attributes": attrs,
		"meta": gin.H{"rev": t.Rev}, "links": links}
}

func send(c *gin.Context, status int, body gin.H) {
	c.Header("Content-Type", "application/vnd.api+json")
	c.JSON(status, body)
}

// bind reads a JSON:API body {"data":{"attributes":...}} into attrs.
func bind(c *gin.Context, attrs any) bool {
	var body struct {
		Data struct {
			Attributes json.RawMessage `json:"attributes"`
		} `json:"data"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	if err := dec.Decode(&body); err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "invalid JSON body: "+err.Error()))
		return false
	}
	if len(body.Data.Attributes) == 0 {
		body.Data.Attributes = json.RawMessage(`{}`)
	}
	if err := json.Unmarshal(body.Data.Attributes, attrs); err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "invalid attributes: "+err.Error()))
		return false
	}
	return true
}

func (h *Handler) pushJob(c *gin.Context) {
	worker := c.Param("worker")
	if !h.allowWorker(c, pjobs.JobsDoctype, worker) {
		return
	}
	var attrs struct {
		Arguments json.RawMessage `json:"arguments"`
		Options   *pjobs.Options  `json:"options"`
	}
	if !bind(c, &attrs) {
		return
	}
	b, _, ok := h.broker(c)
	if !ok {
		return
	}
	j, err := b.Push(c.Request.Context(), pjobs.Request{Worker: worker, Message: attrs.Arguments, Options: attrs.Options, Manual: true})
	if err != nil {
		render(c, err)
		return
	}
	send(c, http.StatusAccepted, gin.H{"data": jobData(j)})
}

func (h *Handler) listQueue(c *gin.Context) {
	worker := c.Param("worker")
	if !h.Auth.AllowDoc(c, permission.GET, pjobs.JobsDoctype, workerDoc{worker: worker}) {
		return
	}
	b, _, ok := h.broker(c)
	if !ok {
		return
	}
	js, err := b.Jobs(c.Request.Context(), func(j *pjobs.Job) bool { return j.Worker == worker && j.State == pjobs.Queued }, 0)
	if err != nil {
		render(c, err)
		return
	}
	sendJobs(c, js)
}

func sendJobs(c *gin.Context, js []*pjobs.Job) {
	data := make([]gin.H, 0, len(js))
	for _, j := range js {
		data = append(data, jobData(j))
	}
	send(c, http.StatusOK, gin.H{"data": data, "meta": gin.H{"count": len(data)}})
}

func (h *Handler) getJob(c *gin.Context) {
	if _, err := h.Auth.Permission(c); err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	b, _, ok := h.broker(c)
	if !ok {
		return
	}
	j, err := b.Job(c.Request.Context(), c.Param("id"))
	if err != nil {
		render(c, err)
		return
	}
	if !h.Auth.AllowDoc(c, permission.GET, pjobs.JobsDoctype, workerDoc{j.ID, j.Worker}) {
		return
	}
	send(c, http.StatusOK, gin.H{"data": jobData(j)})
}

func (h *Handler) addTrigger(c *gin.Context) {
	var attrs struct {
		Type            string          `json:"type"`
		Arguments       string          `json:"arguments"`
		Debounce        string          `json:"debounce"`
		Worker          string          `json:"worker"`
		Message         json.RawMessage `json:"message"`
		WorkerArguments json.RawMessage `json:"worker_arguments"`
		Options         *pjobs.Options  `json:"options"`
	}
	if _, err := h.Auth.Permission(c); err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	if !bind(c, &attrs) {
		return
	}
	if !h.allowWorker(c, pjobs.TriggersDoctype, attrs.Worker) {
		return
	}
	b, _, ok := h.broker(c)
	if !ok {
		return
	}
	msg := attrs.Message
	if len(msg) == 0 {
		msg = attrs.WorkerArguments
	}
	t := &pjobs.Trigger{Type: attrs.Type, Arguments: attrs.Arguments, Debounce: attrs.Debounce,
		Worker: attrs.Worker, Message: msg, Options: attrs.Options}
	if err := b.AddTrigger(c.Request.Context(), t); err != nil {
		render(c, err)
		return
	}
	send(c, http.StatusCreated, gin.H{"data": triggerData(t)})
}

func (h *Handler) listTriggers(c *gin.Context) {
	if !h.Auth.AllowSome(c, permission.GET, pjobs.TriggersDoctype) {
		return
	}
	b, _, ok := h.broker(c)
	if !ok {
		return
	}
	worker := c.Query("Worker")
	ts, err := b.Triggers(c.Request.Context(), func(t *pjobs.Trigger) bool {
		return (worker == "" || t.Worker == worker) && h.allowed(c, permission.GET, pjobs.TriggersDoctype, workerDoc{t.ID, t.Worker})
	})
	if err != nil {
		render(c, err)
		return
	}
	data := make([]gin.H, 0, len(ts))
	for _, t := range ts {
		data = append(data, triggerData(t))
	}
	send(c, http.StatusOK, gin.H{"data": data, "meta": gin.H{"count": len(data)}})
}

// trigger loads the trigger of the route and checks verb on it.
func (h *Handler) trigger(c *gin.Context, v permission.Verb) (*pjobs.Broker, *pjobs.Trigger, bool) {
	if _, err := h.Auth.Permission(c); err != nil {
		httperr.JSONAPI(c, err)
		return nil, nil, false
	}
	b, _, ok := h.broker(c)
	if !ok {
		return nil, nil, false
	}
	t, err := b.Trigger(c.Request.Context(), c.Param("id"))
	if err != nil {
		render(c, err)
		return nil, nil, false
	}
	if !h.Auth.AllowDoc(c, v, pjobs.TriggersDoctype, workerDoc{t.ID, t.Worker}) {
		return nil, nil, false
	}
	return b, t, true
}

func (h *Handler) getTrigger(c *gin.Context) {
	if _, t, ok := h.trigger(c, permission.GET); ok {
		send(c, http.StatusOK, gin.H{"data": triggerData(t)})
	}
}

func (h *Handler) patchTrigger(c *gin.Context) {
	b, t, ok := h.trigger(c, permission.PATCH)
	if !ok {
		return
	}
	var attrs struct {
		Arguments *string         `json:"arguments"`
		Message   json.RawMessage `json:"message"`
	}
	if !bind(c, &attrs) {
		return
	}
	nt, err := b.PatchTrigger(c.Request.Context(), t.ID, pjobs.TriggerPatch{Arguments: attrs.Arguments, Message: attrs.Message})
	if err != nil {
		render(c, err)
		return
	}
	send(c, http.StatusOK, gin.H{"data": triggerData(nt)})
}

func (h *Handler) deleteTrigger(c *gin.Context) {
	b, t, ok := h.trigger(c, permission.DELETE)
	if !ok {
		return
	}
	if err := b.DeleteTrigger(c.Request.Context(), t.ID); err != nil {
		render(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *Handler) triggerState(c *gin.Context) {
	b, t, ok := h.trigger(c, permission.GET)
	if !ok {
		return
	}
	s, err := b.State(c.Request.Context(), t.ID)
	if err != nil {
		render(c, err)
		return
	}
	send(c, http.StatusOK, gin.H{"data": gin.H{"type": "io.cozy.triggers.state", "id": t.ID, "attributes": s,
		"links": gin.H{"self": "/jobs/triggers/" + t.ID + "/state"}}})
}

func (h *Handler) triggerJobs(c *gin.Context) {
	b, t, ok := h.trigger(c, permission.GET)
	if !ok {
		return
	}
	limit := 0
	if l := c.Query("Limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "Limit must be a positive integer"))
			return
		}
		limit = n
	}
	js, err := b.Jobs(c.Request.Context(), func(j *pjobs.Job) bool { return j.TriggerID == t.ID }, limit)
	if err != nil {
		render(c, err)
		return
	}
	sendJobs(c, js)
}

func (h *Handler) launch(c *gin.Context) {
	b, t, ok := h.trigger(c, permission.POST)
	if !ok {
		return
	}
	j, err := b.Launch(c.Request.Context(), t.ID)
	if err != nil {
		render(c, err)
		return
	}
	send(c, http.StatusCreated, gin.H{"data": jobData(j)})
}

// webhook launches a @webhook trigger; it needs no permission, the trigger
// id being the secret. The body becomes the job's payload.
func (h *Handler) webhook(c *gin.Context) {
	b, _, ok := h.broker(c)
	if !ok {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	if err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusRequestEntityTooLarge, "webhook body too large"))
		return
	}
	if _, err := b.Webhook(c.Request.Context(), c.Param("id"), body); err != nil {
		render(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// patchJob lets a client report the state of a job of the client worker.
func (h *Handler) patchJob(c *gin.Context) {
	if _, err := h.Auth.Permission(c); err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	b, _, ok := h.broker(c)
	if !ok {
		return
	}
	j, err := b.Job(c.Request.Context(), c.Param("id"))
	if err != nil {
		render(c, err)
		return
	}
	if !h.Auth.AllowDoc(c, permission.PATCH, pjobs.JobsDoctype, workerDoc{j.ID, j.Worker}) {
		return
	}
	var attrs struct {
		State pjobs.State `json:"state"`
		Error string      `json:"error"`
	}
	if !bind(c, &attrs) {
		return
	}
	nj, err := b.PatchJob(c.Request.Context(), j.ID, attrs.State, attrs.Error)
	if err != nil {
		render(c, err)
		return
	}
	send(c, http.StatusOK, gin.H{"data": jobData(nj)})
}
