package apps

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// maxLogsBody bounds a POST /apps/:slug/logs body.
const maxLogsBody = 1 << 20

// logLine is one line sent to POST /apps/:slug/logs.
type logLine struct {
	Time  string `json:"timestamp"`
	Level string `json:"level"`
	Msg   string `json:"msg"`
}

var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn,
	"warning": slog.LevelWarn, "error": slog.LevelError, "critical": slog.LevelError}

// logs serves POST /apps/:slug/logs: an app's lines in the server's log.
func (h *Handler) logs(c *gin.Context, k apps.Kind) error {
	if _, err := h.Auth.Permission(c); err != nil {
		return err
	}
	inst := middleware.GetInstance(c)
	slug := c.Param("slug")
	ctx := c.Request.Context()
	if _, err := h.Apps.Get(ctx, inst, k, slug); err != nil {
		return err
	}
	var lines []logLine
	if err := request.JSON(c, maxLogsBody, &lines); err != nil {
		return err
	}
	for i, l := range lines {
		if _, ok := logLevels[l.Level]; !ok {
			return httperr.New(http.StatusUnprocessableEntity, fmt.Sprintf("line %d: unknown level %q", i, l.Level))
		}
	}
	for _, l := range lines {
		h.Log.Log(ctx, logLevels[l.Level], l.Msg, "domain", inst.Domain, string(k), slug, "job_id", c.Query("job_id"),
			"version", c.Query("version"), "client_time", l.Time)
	}
	c.Status(http.StatusNoContent)
	return nil
}
