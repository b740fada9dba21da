package files

import (
	"net/http"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/gin-gonic/gin"
)

// listTrash handles GET /files/trash.
func (h *Handler) listTrash(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	if !h.auth.AllowWhole(c, permission.GET, vfs.Doctype) {
		return
	}
	limit, cursor := page(c)
	list, err := fs.Children(c.Request.Context(), vfs.TrashID, cursor, limit+1)
	if err != nil {
		fail(c, err)
		return
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		next = list[limit-1].Name
	}
	renderList(c, "/files/trash", list, next)
}

// emptyTrash handles DELETE /files/trash.
func (h *Handler) emptyTrash(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	if !h.auth.AllowWhole(c, permission.DELETE, vfs.Doctype) {
		return
	}
	if err := fs.EmptyTrash(c.Request.Context()); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// restore handles POST /files/trash/:id.
func (h *Handler) restore(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	f, ok := h.load(c, fs, permission.PATCH, c.Param("id"))
	if !ok {
		return
	}
	g, err := fs.Restore(c.Request.Context(), f.ID)
	if err != nil {
		fail(c, err)
		return
	}
	renderOne(c, http.StatusOK, g)
}

// destroy handles DELETE /files/trash/:id.
func (h *Handler) destroy(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	f, ok := h.load(c, fs, permission.DELETE, c.Param("id"))
	if !ok {
		return
	}
	if err := fs.Destroy(c.Request.Context(), f.ID); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
