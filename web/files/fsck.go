package files

import (
	"encoding/json"
	"net/http"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// fsck handles GET /files/fsck (report) and POST /files/fsck (repair),
// for `cozy check fs`: one JSON object per line for each problem found,
// as upstream's route streams them. VerifyMD5=true also reads every
// content. Only CLI tokens may use it.
func (h *Handler) fsck(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	if !h.auth.AllowWhole(c, permission.GET, vfs.Doctype) {
		return
	}
	if p, err := h.auth.Permission(c); err != nil || p.Type != permission.TypeCLI {
		httperr.JSONAPI(c, httperr.New(http.StatusForbidden, "fsck needs a CLI token"))
		return
	}
	problems, err := fs.Check(c.Request.Context(), vfs.CheckOptions{
		Repair:    c.Request.Method == http.MethodPost,
		VerifyMD5: c.Query("VerifyMD5") == "true",
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Content-Type", "application/x-ndjson")
	c.Status(http.StatusOK)
	enc := json.NewEncoder(c.Writer)
	for _, p := range problems {
		if err := enc.Encode(p); err != nil {
			return
		}
	}
}
