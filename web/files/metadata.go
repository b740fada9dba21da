package files

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/httperr"
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
func (h *Handler) uploadMetadata(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	if !h.auth.AllowSome(c, permission.POST, vfs.Doctype) {
		return
	}
	var body struct {
		Data struct {
			Attributes json.RawMessage `json:"attributes"`
		} `json:"data"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)).Decode(&body); err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "invalid JSON:API body: "+err.Error()))
		return
	}
	if !h.checkMetadata(c, body.Data.Attributes) {
		return
	}
	id, err := fs.SaveMetadata(c.Request.Context(), body.Data.Attributes, time.Now().Add(MetadataTTL))
	if err != nil {
		fail(c, err)
		return
	}
	writeJSON(c, http.StatusCreated, gin.H{"data": gin.H{"type": "io.cozy.files.metadata", "id": id, "attributes": body.Data.Attributes}})
}

// checkMetadata requires a JSON object, and the certified permissions for
// the members that need one; it renders the error and returns false.
func (h *Handler) checkMetadata(c *gin.Context, raw json.RawMessage) bool {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		httperr.JSONAPI(c, httperr.New(http.StatusUnprocessableEntity, "metadata must be a JSON object"))
		return false
	}
	for key, doctype := range certifiedKeys {
		if _, ok := m[key]; ok && !h.auth.AllowWhole(c, permission.POST, doctype) {
			return false
		}
	}
	return true
}

// requestMetadata reads the metadata of an upload: MetadataID (saved
// before) or Metadata (inline JSON). ok is false when it rendered an error.
func (h *Handler) requestMetadata(c *gin.Context, fs *vfs.FS) (json.RawMessage, bool) {
	if id := c.Query("MetadataID"); id != "" {
		m, err := fs.LoadMetadata(c.Request.Context(), id, time.Now())
		if err != nil {
			httperr.JSONAPI(c, httperr.Wrap(http.StatusUnprocessableEntity, err))
			return nil, false
		}
		return m, true
	}
	if raw := c.Query("Metadata"); raw != "" {
		if !h.checkMetadata(c, json.RawMessage(raw)) {
			return nil, false
		}
		return json.RawMessage(raw), true
	}
	return nil, true
}
