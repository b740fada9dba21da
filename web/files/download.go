package files

import (
	"encoding/base64"
	"mime"
	"net/http"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/gin-gonic/gin"
)

// download handles GET /files/download/:id.
func (h *Handler) download(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	f, ok := h.load(c, fs, permission.GET, c.Param("id"))
	if !ok {
		return
	}
	serve(c, fs, f)
}

// downloadByPath handles GET /files/download?Path=...
func (h *Handler) downloadByPath(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	f, ok := h.byPath(c, fs, permission.GET)
	if !ok {
		return
	}
	serve(c, fs, f)
}

// serve streams a file's content with http.ServeContent, which answers
// Range, If-Modified-Since, If-None-Match and HEAD requests.
func serve(c *gin.Context, fs *vfs.FS, f *vfs.File) {
	if f.IsDir() {
		fail(c, vfs.ErrNotFile)
		return
	}
	r, err := fs.Open(f)
	if err != nil {
		fail(c, err)
		return
	}
	defer r.Close()
	disposition := "inline"
	if c.Query("Dl") == "1" {
		disposition = "attachment"
	}
	w := c.Writer
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": f.Name}))
	w.Header().Set("Content-Type", f.Mime)
	w.Header().Set("Etag", `"`+base64.StdEncoding.EncodeToString(f.MD5Sum)+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox")
	http.ServeContent(w, c.Request, f.Name, f.UpdatedAt, r)
}
