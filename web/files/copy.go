package files

import (
	"net/http"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/gin-gonic/gin"
)

// copyFile handles POST /files/:id/copy?Name=&DirID=.
func (h *Handler) copyFile(c *gin.Context) error {
	fs, inst, err := h.fs(c)
	if err != nil {
		return err
	}
	f, err := h.load(c, fs, permission.GET, c.Param("id"))
	if err != nil {
		return err
	}
	dirID := c.Query("DirID")
	if dirID == "" {
		dirID = f.DirID
	}
	if err := h.require(c, fs, permission.POST, &vfs.File{Type: vfs.TypeFile, DirID: dirID}); err != nil {
		return err
	}
	g, err := fs.Copy(c.Request.Context(), f.ID, c.Query("Name"), dirID, appSlug(c))
	if err != nil {
		return err
	}
	c.Header("Location", "/files/"+g.ID)
	return jsonapi.Data(c, http.StatusCreated, toObject(inst.TokenSecret, g))
}
