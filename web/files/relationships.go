package files

import (
	"net/http"
	"strings"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// references handles POST and DELETE /files/:id/relationships/referenced_by
// and /files/:dir-id/relationships/not_synchronized_on.
func (h *Handler) references(c *gin.Context) error {
	fs, _, err := h.fs(c)
	if err != nil {
		return err
	}
	f, err := h.load(c, fs, permission.PATCH, c.Param("id"))
	if err != nil {
		return err
	}
	var body struct {
		Data []vfs.Reference `json:"data"`
	}
	if err := request.JSON(c, request.JSONBody, &body); err != nil {
		return err
	}
	ctx := c.Request.Context()
	notSync, del := strings.HasSuffix(c.FullPath(), "/not_synchronized_on"), c.Request.Method == http.MethodDelete
	switch {
	case notSync && del:
		f, err = fs.RemoveNotSynchronizedOn(ctx, f.ID, body.Data)
	case notSync:
		f, err = fs.AddNotSynchronizedOn(ctx, f.ID, body.Data)
	case del:
		f, err = fs.RemoveReferencedBy(ctx, f.ID, body.Data)
	default:
		f, err = fs.AddReferencedBy(ctx, f.ID, body.Data)
	}
	if err != nil {
		return err
	}
	refs := f.ReferencedBy
	if notSync {
		refs = f.NotSynchronizedOn
	}
	if refs == nil {
		refs = []vfs.Reference{}
	}
	return jsonapi.Write(c, http.StatusOK, jsonapi.Document{Data: refs, Meta: map[string]any{"rev": f.Rev, "count": len(refs)}})
}
