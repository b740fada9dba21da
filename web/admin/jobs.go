package admin

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// registerJobs adds the routes behind `cozy jobs run` and `cozy triggers
// ls|launch`. They answer plain JSON documents (io.cozy.jobs and
// io.cozy.triggers as stored).
func (h *Handler) registerJobs(r gin.IRouter) {
	r.POST("/instances/:domain/jobs/queue/:worker", h.pushJob)
	r.GET("/instances/:domain/jobs/:id", h.getJob)
	r.GET("/instances/:domain/triggers", h.listTriggers)
	r.POST("/instances/:domain/triggers/:id/launch", h.launchTrigger)
}

// broker returns the job broker of the instance named in the path.
func (h *Handler) broker(c *gin.Context) (*jobs.Broker, bool) {
	if h.Jobs == nil {
		httperr.JSONAPI(c, httperr.New(http.StatusNotImplemented, "jobs are not enabled"))
		return nil, false
	}
	inst, err := h.Instances.Get(c.Param("domain"))
	if err != nil {
		httperr.JSONAPI(c, err)
		return nil, false
	}
	b, err := h.Jobs.For(inst)
	if err != nil {
		httperr.JSONAPI(c, err)
		return nil, false
	}
	return b, true
}

func jobsError(c *gin.Context, err error) {
	switch {
	case errors.Is(err, jobs.ErrNotFound):
		err = httperr.New(http.StatusNotFound, err.Error())
	case errors.Is(err, jobs.ErrUnknownWorker), errors.Is(err, jobs.ErrInvalid):
		err = httperr.New(http.StatusBadRequest, err.Error())
	}
	httperr.JSONAPI(c, err)
}

// pushJob queues a job: body {"arguments": any, "options": {...}}.
func (h *Handler) pushJob(c *gin.Context) {
	b, ok := h.broker(c)
	if !ok {
		return
	}
	var body struct {
		Arguments json.RawMessage `json:"arguments"`
		Options   *jobs.Options   `json:"options"`
	}
	if c.Request.ContentLength != 0 {
		if err := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)).Decode(&body); err != nil {
			httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "invalid JSON body: "+err.Error()))
			return
		}
	}
	j, err := b.Push(c.Request.Context(), jobs.Request{Worker: c.Param("worker"), Message: body.Arguments, Options: body.Options, Manual: true})
	if err != nil {
		jobsError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, j)
}

func (h *Handler) getJob(c *gin.Context) {
	b, ok := h.broker(c)
	if !ok {
		return
	}
	j, err := b.Job(c.Request.Context(), c.Param("id"))
	if err != nil {
		jobsError(c, err)
		return
	}
	c.JSON(http.StatusOK, j)
}

func (h *Handler) listTriggers(c *gin.Context) {
	b, ok := h.broker(c)
	if !ok {
		return
	}
	ts, err := b.Triggers(c.Request.Context(), nil)
	if err != nil {
		jobsError(c, err)
		return
	}
	if ts == nil {
		ts = []*jobs.Trigger{}
	}
	c.JSON(http.StatusOK, ts)
}

func (h *Handler) launchTrigger(c *gin.Context) {
	b, ok := h.broker(c)
	if !ok {
		return
	}
	j, err := b.Launch(c.Request.Context(), c.Param("id"))
	if err != nil {
		jobsError(c, err)
		return
	}
	c.JSON(http.StatusCreated, j)
}
