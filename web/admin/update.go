package admin

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cozypi/cozy/pkg/update"
	"github.com/cozypi/cozy/web/httperr"
)

// maxBundle bounds a bundle sent as a request body: a root slot is 1 GiB
// and a compressed image is smaller; the bundle reader bounds each part
// again from the signed manifest.
const maxBundle = 4 << 30

// stageAnswer is POST /box/update's answer: the bundle is checked and
// staged; the root unit cozy-update.path applies it and reboots.
type stageAnswer struct {
	Staged  bool   `json:"staged"`
	Version string `json:"version"`
	Board   string `json:"board"`
	Kernel  string `json:"kernel,omitempty"`
	Created string `json:"created"`
}

func (h *Handler) registerUpdate(r gin.IRouter) {
	r.POST("/box/update", httperr.Handle(h.stageUpdate))
	r.GET("/box/update", httperr.Handle(h.updateReport))
}

// stageUpdate receives a bundle (the body, or {"url": ...} to download)
// and stages it once its signature, board, build date and payloads are
// checked. A bad bundle is a 4xx and nothing is staged. A bundle older
// than the running system is a 422 unless ?allow_downgrade=true.
func (h *Handler) stageUpdate(c *gin.Context) error {
	if h.Updates == nil {
		return httperr.NotFound("this server is not a household box: no updates")
	}
	ctx := c.Request.Context()
	var opt update.StageOptions
	if v, ok := c.GetQuery("allow_downgrade"); ok {
		allow, err := strconv.ParseBool(v)
		if err != nil {
			return httperr.BadRequest("allow_downgrade must be true or false")
		}
		opt.AllowDowngrade = allow
	}
	if opt.AllowDowngrade && h.Log != nil {
		h.Log.Warn("update: staging asked with allow_downgrade: an older bundle will be accepted", "remote", c.ClientIP())
	}
	var m *update.Manifest
	var err error
	if strings.HasPrefix(c.ContentType(), "application/json") {
		var req struct {
			URL string `json:"url"`
		}
		if err := json.NewDecoder(io.LimitReader(c.Request.Body, 64<<10)).Decode(&req); err != nil || req.URL == "" {
			return httperr.BadRequest(`want {"url": "http(s)://..."} or the bundle as the body`)
		}
		if !strings.HasPrefix(req.URL, "http://") && !strings.HasPrefix(req.URL, "https://") {
			return httperr.BadRequest("the bundle URL must be http:// or https://")
		}
		m, err = h.Updates.StageURL(ctx, req.URL, opt)
	} else {
		if c.Request.ContentLength > maxBundle {
			return httperr.ErrTooLarge
		}
		body := http.MaxBytesReader(c.Writer, c.Request.Body, maxBundle)
		m, err = h.Updates.Stage(ctx, body, c.Request.ContentLength, opt)
	}
	if err != nil {
		return err
	}
	if h.Log != nil {
		h.Log.Info("update staged", "version", m.Version, "board", m.Board)
	}
	c.JSON(http.StatusAccepted, stageAnswer{Staged: true, Version: m.Version, Board: m.Board, Kernel: m.Kernel, Created: m.Created.Format("2006-01-02T15:04:05Z07:00")})
	return nil
}

// updateReport answers where the last update stands: the server's
// staging, the staged bundle, the root updater's state and progress.
func (h *Handler) updateReport(c *gin.Context) error {
	if h.Updates == nil {
		return httperr.NotFound("this server is not a household box: no updates")
	}
	r, err := h.Updates.Report()
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, r)
	return nil
}
