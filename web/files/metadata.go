package files

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// MetadataTTL is how long a MetadataID stays usable, as upstream.
const MetadataTTL = 10 * time.Minute

// certifiedKeys are metadata members that need a permission of their own.
var certifiedKeys = map[string]string{
	"carbonCopy":     "io.cozy.certified.carbon_copy",
	"electronicSafe": "io.cozy.certified.electronic_safe",
}

// uploadMetadata handles POST /files/upload/metadata.
func (h *Handler) uploadMetadata(c *gin.Context) error {
	fs, _, err := h.fs(c)
	if err != nil {
		return err
	}
	if err := h.auth.RequireSome(c, permission.POST, vfs.Doctype); err != nil {
		return err
	}
	var body struct {
		Data struct {
			Attributes json.RawMessage `json:"attributes"`
		} `json:"data"`
	}
	if err := request.JSON(c, request.JSONBody, &body); err != nil {
		return err
	}
	if err := h.checkMetadata(c, body.Data.Attributes); err != nil {
		return err
	}
	id, err := fs.SaveMetadata(c.Request.Context(), body.Data.Attributes, time.Now().Add(MetadataTTL))
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusCreated, jsonapi.Object{Type: "io.cozy.files.metadata", ID: id, Attributes: body.Data.Attributes})
}

// checkMetadata requires a JSON object, and the certified permissions for
// the members that need one.
func (h *Handler) checkMetadata(c *gin.Context, raw json.RawMessage) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return httperr.New(http.StatusUnprocessableEntity, "metadata must be a JSON object")
	}
	for key, doctype := range certifiedKeys {
		if _, ok := m[key]; ok {
			if err := h.auth.RequireWhole(c, permission.POST, doctype); err != nil {
				return err
			}
		}
	}
	return nil
}

// requestMetadata reads the metadata of an upload: MetadataID (saved
// before) or Metadata (inline JSON); nil when there is none.
func (h *Handler) requestMetadata(c *gin.Context, fs *vfs.FS) (json.RawMessage, error) {
	if id := c.Query("MetadataID"); id != "" {
		m, err := fs.LoadMetadata(c.Request.Context(), id, time.Now())
		if err != nil {
			return nil, httperr.Wrap(http.StatusUnprocessableEntity, err)
		}
		return m, nil
	}
	if raw := c.Query("Metadata"); raw != "" {
		if err := h.checkMetadata(c, json.RawMessage(raw)); err != nil {
			return nil, err
		}
		return json.RawMessage(raw), nil
	}
	return nil, nil
}
