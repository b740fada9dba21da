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
func (h *Handler) fsck(c *gin.Context) error {
	fs, _, err := h.fs(c)
	if err != nil {
		return err
	}
	if err := h.auth.RequireWhole(c, permission.GET, vfs.Doctype); err != nil {
		return err
	}
	if p, err := h.auth.Permission(c); err != nil || p.Type != permission.TypeCLI {
		return httperr.Forbidden("fsck needs a CLI token")
	}
	problems, err := fs.Check(c.Request.Context(), vfs.CheckOptions{
		Repair:    c.Request.Method == http.MethodPost,
		VerifyMD5: c.Query("VerifyMD5") == "true",
	})
	if err != nil {
		return err
	}
	c.Header("Content-Type", "application/x-ndjson")
	c.Status(http.StatusOK)
	enc := json.NewEncoder(c.Writer)
	for _, p := range problems {
		if err := enc.Encode(p); err != nil {
			return err // the client left; logged
		}
	}
	return nil
}
