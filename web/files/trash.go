package files

import (
	"net/http"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/gin-gonic/gin"
)

// listTrash handles GET /files/trash.
func (h *Handler) listTrash(c *gin.Context) error {
	fs, inst, err := h.fs(c)
	if err != nil {
		return err
	}
	if err := h.auth.RequireWhole(c, permission.GET, vfs.Doctype); err != nil {
		return err
	}
	limit, cursor := page(c)
	list, next, err := children(c, fs, vfs.TrashID, cursor, limit)
	if err != nil {
		return err
	}
	return writeList(c, inst.TokenSecret, "/files/trash", list, next)
}

// emptyTrash handles DELETE /files/trash.
func (h *Handler) emptyTrash(c *gin.Context) error {
	fs, _, err := h.fs(c)
	if err != nil {
		return err
	}
	if err := h.auth.RequireWhole(c, permission.DELETE, vfs.Doctype); err != nil {
		return err
	}
	if err := fs.EmptyTrash(c.Request.Context()); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// restore handles POST /files/trash/:id.
func (h *Handler) restore(c *gin.Context) error {
	fs, inst, err := h.fs(c)
	if err != nil {
		return err
	}
	f, err := h.load(c, fs, permission.PATCH, c.Param("id"))
	if err != nil {
		return err
	}
	g, err := fs.Restore(c.Request.Context(), f.ID)
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, toObject(inst.TokenSecret, g))
}

// destroy handles DELETE /files/trash/:id.
func (h *Handler) destroy(c *gin.Context) error {
	fs, _, err := h.fs(c)
	if err != nil {
		return err
	}
	f, err := h.load(c, fs, permission.DELETE, c.Param("id"))
	if err != nil {
		return err
	}
	if err := fs.Destroy(c.Request.Context(), f.ID); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
