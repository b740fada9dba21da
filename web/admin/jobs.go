package admin

import (
	"encoding/json"
	"net/http"

	"github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// registerJobs adds the routes behind `cozy jobs run` and `cozy triggers
// ls|launch`. They answer plain JSON documents (io.cozy.jobs and
// io.cozy.triggers as stored).
func (h *Handler) registerJobs(r gin.IRouter) {
	r.POST("/instances/:domain/jobs/queue/:worker", httperr.Handle(h.pushJob))
	r.GET("/instances/:domain/jobs/:id", httperr.Handle(h.getJob))
	r.GET("/instances/:domain/triggers", httperr.Handle(h.listTriggers))
	r.POST("/instances/:domain/triggers/:id/launch", httperr.Handle(h.launchTrigger))
}

// broker returns the job broker of the instance named in the path.
func (h *Handler) broker(c *gin.Context) (*jobs.Broker, error) {
	if h.Jobs == nil {
		return nil, httperr.New(http.StatusNotImplemented, "jobs are not enabled")
	}
	inst, err := h.Instances.Get(c.Param("domain"))
	if err != nil {
		return nil, err
	}
	return h.Jobs.For(inst)
}

// pushJob queues a job: body {"arguments": any, "options": {...}}.
func (h *Handler) pushJob(c *gin.Context) error {
	b, err := h.broker(c)
	if err != nil {
		return err
	}
	var body struct {
		Arguments json.RawMessage `json:"arguments"`
		Options   *jobs.Options   `json:"options"`
	}
	if c.Request.ContentLength != 0 {
		if err := request.JSON(c, request.JSONBody, &body); err != nil {
			return err
		}
	}
	j, err := b.Push(c.Request.Context(), jobs.Request{Worker: c.Param("worker"), Message: body.Arguments, Options: body.Options, Manual: true})
	if err != nil {
		return err
	}
	c.JSON(http.StatusAccepted, j)
	return nil
}

// getJob serves GET /instances/:domain/jobs/:id.
func (h *Handler) getJob(c *gin.Context) error {
	b, err := h.broker(c)
	if err != nil {
		return err
	}
	j, err := b.Job(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, j)
	return nil
}

// listTriggers serves GET /instances/:domain/triggers.
func (h *Handler) listTriggers(c *gin.Context) error {
	b, err := h.broker(c)
	if err != nil {
		return err
	}
	ts, err := b.Triggers(c.Request.Context(), nil)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []*jobs.Trigger{}
	}
	c.JSON(http.StatusOK, ts)
	return nil
}

// launchTrigger serves POST /instances/:domain/triggers/:id/launch.
func (h *Handler) launchTrigger(c *gin.Context) error {
	b, err := h.broker(c)
	if err != nil {
		return err
	}
	j, err := b.Launch(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, j)
	return nil
}
