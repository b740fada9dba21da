package files

import (
	"encoding/json"
	"net/http"

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
