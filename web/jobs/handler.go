package jobs

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/cozypi/cozy/pkg/apps"
	pjobs "github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/cozypi/cozy/web/request"
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

// Register adds the /jobs routes.
func (h *Handler) Register(r gin.IRouter) {
	g := r.Group("/jobs")
	g.POST("/queue/:worker", httperr.Handle(h.pushJob))
	g.GET("/queue/:worker", httperr.Handle(h.listQueue))
	g.POST("/triggers", httperr.Handle(h.addTrigger))
	g.GET("/triggers", httperr.Handle(h.listTriggers))
	g.GET("/triggers/:id", httperr.Handle(h.getTrigger))
	g.PATCH("/triggers/:id", httperr.Handle(h.patchTrigger))
	g.DELETE("/triggers/:id", httperr.Handle(h.deleteTrigger))
	g.GET("/triggers/:id/state", httperr.Handle(h.triggerState))
	g.GET("/triggers/:id/jobs", httperr.Handle(h.triggerJobs))
	g.POST("/triggers/:id/launch", httperr.Handle(h.launch))
	g.POST("/webhooks/:id", httperr.Handle(h.webhook))
	g.GET("/:id", httperr.Handle(h.getJob))
	g.PATCH("/:id", httperr.Handle(h.patchJob))
	r.POST("/konnectors/:slug/trigger", httperr.Handle(h.konnectorTrigger))
}

func (h *Handler) broker(c *gin.Context) (*pjobs.Broker, error) {
	return h.Jobs.For(middleware.GetInstance(c))
}

func (h *Handler) pushJob(c *gin.Context) error {
	worker := c.Param("worker")
	if err := h.requireWorker(c, pjobs.JobsDoctype, worker); err != nil {
		return err
	}
	var attrs struct {
		Arguments json.RawMessage `json:"arguments"`
		Options   *pjobs.Options  `json:"options"`
	}
	if err := attributes(c, &attrs); err != nil {
		return err
	}
	b, err := h.broker(c)
	if err != nil {
		return err
	}
	j, err := b.Push(c.Request.Context(), pjobs.Request{Worker: worker, Message: attrs.Arguments, Options: attrs.Options, Manual: true})
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusAccepted, jobObject(j))
}

func (h *Handler) listQueue(c *gin.Context) error {
	worker := c.Param("worker")
	if err := h.Auth.RequireDoc(c, permission.GET, pjobs.JobsDoctype, workerDoc{worker: worker}); err != nil {
		return err
	}
	b, err := h.broker(c)
	if err != nil {
		return err
	}
	js, err := b.Jobs(c.Request.Context(), func(j *pjobs.Job) bool { return j.Worker == worker && j.State == pjobs.Queued }, 0)
	if err != nil {
		return err
	}
	return jobList(c, js)
}

// job loads the job of the route and checks verb on it.
func (h *Handler) job(c *gin.Context, v permission.Verb) (*pjobs.Broker, *pjobs.Job, error) {
	if _, err := h.Auth.Permission(c); err != nil {
		return nil, nil, err // no token: 401 before telling whether the job exists
	}
	b, err := h.broker(c)
	if err != nil {
		return nil, nil, err
	}
	j, err := b.Job(c.Request.Context(), c.Param("id"))
	if err != nil {
		return nil, nil, err
	}
	if err := h.Auth.RequireDoc(c, v, pjobs.JobsDoctype, workerDoc{j.ID, j.Worker}); err != nil {
		return nil, nil, err
	}
	return b, j, nil
}

func (h *Handler) getJob(c *gin.Context) error {
	_, j, err := h.job(c, permission.GET)
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, jobObject(j))
}

// patchJob lets a client report the state of a job of the client worker.
func (h *Handler) patchJob(c *gin.Context) error {
	b, j, err := h.job(c, permission.PATCH)
	if err != nil {
		return err
	}
	var attrs struct {
		State pjobs.State `json:"state"`
		Error string      `json:"error"`
	}
	if err := attributes(c, &attrs); err != nil {
		return err
	}
	nj, err := b.PatchJob(c.Request.Context(), j.ID, attrs.State, attrs.Error)
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, jobObject(nj))
}

func (h *Handler) addTrigger(c *gin.Context) error {
	if _, err := h.Auth.Permission(c); err != nil {
		return err
	}
	var attrs struct {
		Type            string          `json:"type"`
		Arguments       string          `json:"arguments"`
		Debounce        string          `json:"debounce"`
		Worker          string          `json:"worker"`
		Message         json.RawMessage `json:"message"`
		WorkerArguments json.RawMessage `json:"worker_arguments"`
		Options         *pjobs.Options  `json:"options"`
	}
	if err := attributes(c, &attrs); err != nil {
		return err
	}
	if err := h.requireWorker(c, pjobs.TriggersDoctype, attrs.Worker); err != nil {
		return err
	}
	b, err := h.broker(c)
	if err != nil {
		return err
	}
	msg := attrs.Message
	if len(msg) == 0 {
		msg = attrs.WorkerArguments
	}
	t := &pjobs.Trigger{Type: attrs.Type, Arguments: attrs.Arguments, Debounce: attrs.Debounce,
		Worker: attrs.Worker, Message: msg, Options: attrs.Options}
	if err := b.AddTrigger(c.Request.Context(), t); err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusCreated, triggerObject(t))
}

func (h *Handler) listTriggers(c *gin.Context) error {
	if err := h.Auth.RequireSome(c, permission.GET, pjobs.TriggersDoctype); err != nil {
		return err
	}
	p, err := h.Auth.Permission(c)
	if err != nil {
		return err
	}
	b, err := h.broker(c)
	if err != nil {
		return err
	}
	worker := c.Query("Worker")
	ts, err := b.Triggers(c.Request.Context(), func(t *pjobs.Trigger) bool {
		return (worker == "" || t.Worker == worker) && p.AllowDoc(permission.GET, pjobs.TriggersDoctype, workerDoc{t.ID, t.Worker}) == nil
	})
	if err != nil {
		return err
	}
	objs := make([]jsonapi.Object, 0, len(ts))
	for _, t := range ts {
		objs = append(objs, triggerObject(t))
	}
	return jsonapi.List(c, http.StatusOK, objs, len(objs), "")
}

// trigger loads the trigger of the route and checks verb on it.
func (h *Handler) trigger(c *gin.Context, v permission.Verb) (*pjobs.Broker, *pjobs.Trigger, error) {
	if _, err := h.Auth.Permission(c); err != nil {
		return nil, nil, err
	}
	b, err := h.broker(c)
	if err != nil {
		return nil, nil, err
	}
	t, err := b.Trigger(c.Request.Context(), c.Param("id"))
	if err != nil {
		return nil, nil, err
	}
	if err := h.Auth.RequireDoc(c, v, pjobs.TriggersDoctype, workerDoc{t.ID, t.Worker}); err != nil {
		return nil, nil, err
	}
	return b, t, nil
}

func (h *Handler) getTrigger(c *gin.Context) error {
	_, t, err := h.trigger(c, permission.GET)
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, triggerObject(t))
}

func (h *Handler) patchTrigger(c *gin.Context) error {
	b, t, err := h.trigger(c, permission.PATCH)
	if err != nil {
		return err
	}
	var attrs struct {
		Arguments *string         `json:"arguments"`
		Message   json.RawMessage `json:"message"`
	}
	if err := attributes(c, &attrs); err != nil {
		return err
	}
	nt, err := b.PatchTrigger(c.Request.Context(), t.ID, pjobs.TriggerPatch{Arguments: attrs.Arguments, Message: attrs.Message})
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, triggerObject(nt))
}

func (h *Handler) deleteTrigger(c *gin.Context) error {
	b, t, err := h.trigger(c, permission.DELETE)
	if err != nil {
		return err
	}
	if err := b.DeleteTrigger(c.Request.Context(), t.ID); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (h *Handler) triggerState(c *gin.Context) error {
	b, t, err := h.trigger(c, permission.GET)
	if err != nil {
		return err
	}
	s, err := b.State(c.Request.Context(), t.ID)
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, jsonapi.Object{Type: "io.cozy.triggers.state", ID: t.ID, Attributes: s,
		Links: map[string]any{"self": "/jobs/triggers/" + t.ID + "/state"}})
}

func (h *Handler) triggerJobs(c *gin.Context) error {
	b, t, err := h.trigger(c, permission.GET)
	if err != nil {
		return err
	}
	limit := 0
	if l := c.Query("Limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil || limit < 0 {
			return httperr.BadRequest("Limit must be a positive integer")
		}
	}
	js, err := b.Jobs(c.Request.Context(), func(j *pjobs.Job) bool { return j.TriggerID == t.ID }, limit)
	if err != nil {
		return err
	}
	return jobList(c, js)
}

func (h *Handler) launch(c *gin.Context) error {
	b, t, err := h.trigger(c, permission.POST)
	if err != nil {
		return err
	}
	j, err := b.Launch(c.Request.Context(), t.ID)
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusCreated, jobObject(j))
}

// webhook launches a @webhook trigger; it needs no permission, the trigger
// id being the secret. The body becomes the job's payload.
func (h *Handler) webhook(c *gin.Context) error {
	b, err := h.broker(c)
	if err != nil {
		return err
	}
	body, err := request.Body(c, request.JSONBody)
	if err != nil {
		return err
	}
	if _, err := b.Webhook(c.Request.Context(), c.Param("id"), body); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
