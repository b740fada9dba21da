package files

import (
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// ArchiveTTL is how long an archive link stays valid.
const ArchiveTTL = 10 * time.Minute

// createArchive handles POST /files/archive: files by id or path, checked
// for reading, are recorded and a download link returned.
func (h *Handler) createArchive(c *gin.Context) error {
	if err := h.auth.RequireSome(c, permission.GET, vfs.Doctype); err != nil {
		return err
	}
	fs, _, err := h.fs(c)
	if err != nil {
		return err
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
	if err := request.JSON(c, request.JSONBody, &body); err != nil {
		return err
	}
	a := body.Data.Attributes
	if len(a.IDs)+len(a.Files) == 0 {
		return httperr.BadRequest("the archive is empty")
	}
	ids, err := h.archived(c, fs, a.IDs, a.Files)
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(a.Name, ".zip")
	if n, err := vfs.NormalizeName(name); err != nil || name == "" {
		name = "archive"
	} else {
		name = n
	}
	key, err := fs.SaveArchive(c.Request.Context(), vfs.Archive{Name: name, IDs: ids, ExpiresAt: time.Now().Add(ArchiveTTL)})
	if err != nil {
		return err
	}
	href := "/files/archive/" + key + "/" + url.PathEscape(name+".zip")
	return jsonapi.Write(c, http.StatusOK, jsonapi.Document{
		Links: map[string]any{"related": href},
		Data:  jsonapi.Object{Type: "io.cozy.files.archives", ID: key, Attributes: map[string]string{"href": href}},
	})
}

// archived checks that each file, by id or by path, may be read, and
// returns their ids.
func (h *Handler) archived(c *gin.Context, fs *vfs.FS, ids, paths []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		f, err := h.load(c, fs, permission.GET, id)
		if err != nil {
			return nil, err
		}
		out = append(out, f.ID)
	}
	for _, p := range paths {
		f, err := fs.GetByPath(c.Request.Context(), p)
		if err != nil {
			return nil, err
		}
		if err := h.require(c, fs, permission.GET, f); err != nil {
			return nil, err
		}
		out = append(out, f.ID)
	}
	return out, nil
}

// downloadArchive handles GET /files/archive/:key/:name, without a token:
// the random key is the credential.
func (h *Handler) downloadArchive(c *gin.Context) error {
	fs, _, err := h.fs(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	a, err := fs.LoadArchive(ctx, c.Param("key"), time.Now())
	if err != nil {
		return err
	}
	roots := make([]*vfs.File, 0, len(a.IDs))
	for _, id := range a.IDs {
		f, err := fs.Get(ctx, id)
		if err != nil {
			return err
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
	return nil
}
