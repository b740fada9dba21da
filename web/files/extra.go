package files

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// bulkBody bounds the body of PATCH /files/ (a list of patches).
const bulkBody = 4 << 20

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

// bulkPatch handles PATCH /files/: a JSON:API list of patches, applied
// one by one; the first failure stops and is the answer.
func (h *Handler) bulkPatch(c *gin.Context) error {
	fs, inst, err := h.fs(c)
	if err != nil {
		return err
	}
	var body struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := request.JSON(c, bulkBody, &body); err != nil {
		return err
	}
	out := []jsonapi.Object{}
	for _, raw := range body.Data {
		g, err := h.bulkPatchOne(c, fs, inst, raw)
		if err != nil {
			return err
		}
		if g != nil {
			out = append(out, toObject(inst.TokenSecret, g))
		}
	}
	return jsonapi.Write(c, http.StatusOK, jsonapi.Document{Data: out})
}

// bulkPatchOne applies one item of a bulk PATCH.
func (h *Handler) bulkPatchOne(c *gin.Context, fs *vfs.FS, inst *instance.Instance, raw json.RawMessage) (*vfs.File, error) {
	var item struct {
		ID   string `json:"id"`
		Meta struct {
			Rev string `json:"rev"`
		} `json:"meta"`
	}
	var one patchBody
	if json.Unmarshal(raw, &item) != nil || json.Unmarshal(raw, &one.Data) != nil || item.ID == "" {
		return nil, httperr.BadRequest("each item needs an id")
	}
	f, err := h.load(c, fs, permission.PATCH, item.ID)
	if err != nil {
		return nil, err
	}
	return h.patchOne(c, fs, inst, f, one, item.Meta.Rev)
}
