// Package status serves GET /status and GET /version, which answer on any
// host so that monitoring needs no instance.
package status

import (
	"context"
	"net/http"
	"time"

	"github.com/cozypi/cozy/pkg/build"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// Check probes one part of the server; nil means healthy.
type Check func(ctx context.Context) error

// Handler serves the status routes.
type Handler struct {
	// Checks are named probes: "db" for the stores, "fs" for the data dir.
	Checks map[string]Check
}

// Register adds the routes to r.
func (h *Handler) Register(r gin.IRoutes) {
	r.GET("/status", httperr.Handle(h.status))
	r.HEAD("/status", httperr.Handle(h.status))
	r.GET("/version", httperr.Handle(version))
	r.HEAD("/version", httperr.Handle(version))
}

// status answers upstream's shape: a field per probe ("healthy" or the
// error), and "status"/"message" OK, or 502 when a probe fails.
func (h *Handler) status(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 5*time.Second)
	defer cancel()
	body := gin.H{}
	code := http.StatusOK
	for name, check := range h.Checks {
		if err := check(ctx); err != nil {
			body[name] = err.Error()
			code = http.StatusBadGateway
		} else {
			body[name] = "healthy"
		}
	}
	if code == http.StatusOK {
		body["status"], body["message"] = "OK", "OK"
	} else {
		body["status"], body["message"] = "KO", "KO"
	}
	c.JSON(code, body)
	return nil
}

// version answers the build's version, commit and date.
func version(c *gin.Context) error {
	c.JSON(http.StatusOK, build.Current())
	return nil
}
