package files

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// ArchiveTTL is how long an archive link stays valid.
const ArchiveTTL = 10 * time.Minute

// createArchive handles POST /files/archive: files by id or path, checked
// for reading, are recorded and a download link returned.
func (h *Handler) createArchive(c *gin.Context) {
	if !h.mayTouchFiles(c, permission.GET) {
		return
	}
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	var body struct {
		Data struct {
			Attributes struct {
				Name  string   `json:"name"`
				IDs   []string `json:"ids"`
				Files []string `json:"files"`
			} `json:"attributes"`
		} `json:"data"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)).Decode(&body); err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "invalid JSON:API body: "+err.Error()))
		return
	}
	a := body.Data.Attributes
	if len(a.IDs)+len(a.Files) == 0 {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "the archive is empty"))
		return
	}
	ctx := c.Request.Context()
	var ids []string
	for _, id := range a.IDs {
		f, ok := h.load(c, fs, permission.GET, id)
		if !ok {
			return
		}
		ids = append(ids, f.ID)
	}
	for _, p := range a.Files {
		f, err := fs.GetByPath(ctx, p)
		if err != nil {
			fail(c, err)
			return
		}
		if !h.allow(c, fs, permission.GET, f) {
			return
		}
		ids = append(ids, f.ID)
	}
	name := strings.TrimSuffix(a.Name, ".zip")
	if n, err := vfs.NormalizeName(name); err != nil || name == "" {
		name = "archive"
	} else {
		name = n
	}
	key, err := fs.SaveArchive(ctx, vfs.Archive{Name: name, IDs: ids, ExpiresAt: time.Now().Add(ArchiveTTL)})
	if err != nil {
		fail(c, err)
		return
	}
	href := "/files/archive/" + key + "/" + url.PathEscape(name+".zip")
	writeJSON(c, http.StatusOK, gin.H{
		"links": gin.H{"related": href},
		"data":  gin.H{"type": "io.cozy.files.archives", "id": key, "attributes": gin.H{"href": href}},
	})
}

// downloadArchive handles GET /files/archive/:key/:name, without a token:
// the random key is the credential.
func (h *Handler) downloadArchive(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	a, err := fs.LoadArchive(ctx, c.Param("key"), time.Now())
	if err != nil {
		fail(c, err)
		return
	}
	roots := make([]*vfs.File, 0, len(a.IDs))
	for _, id := range a.IDs {
		f, err := fs.Get(ctx, id)
		if err != nil {
			fail(c, err)
			return
		}
		roots = append(roots, f)
	}
	c.Header("Content-Type", "application/zip")
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name + ".zip"}))
	c.Status(http.StatusOK)
	if err := fs.WriteZip(ctx, c.Writer, roots); err != nil {
		// The headers are gone; cutting the stream tells the client.
		h.log.Warn("files: archive", "error", err)
		panic(http.ErrAbortHandler)
	}
}
