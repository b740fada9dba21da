package files

import (
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// download handles GET /files/download/:id.
func (h *Handler) download(c *gin.Context) error {
	fs, _, err := h.fs(c)
	if err != nil {
		return err
	}
	f, err := h.load(c, fs, permission.GET, c.Param("id"))
	if err != nil {
		return err
	}
	return serve(c, fs, f)
}

// downloadByPath handles GET /files/download?Path=...
func (h *Handler) downloadByPath(c *gin.Context) error {
	fs, _, err := h.fs(c)
	if err != nil {
		return err
	}
	f, err := h.byPath(c, fs, permission.GET)
	if err != nil {
		return err
	}
	return serve(c, fs, f)
}

// downloadLink handles POST /files/downloads?Id=|Path=[&Filename=]: a link
// that downloads the file without a token for vfs.DownloadLinkTTL.
func (h *Handler) downloadLink(c *gin.Context) error {
	fs, inst, err := h.fs(c)
	if err != nil {
		return err
	}
	var f *vfs.File
	switch {
	case c.Query("Id") != "":
		f, err = h.load(c, fs, permission.GET, c.Query("Id"))
	case c.Query("Path") != "":
		f, err = h.byPath(c, fs, permission.GET)
	default:
		err = httperr.BadRequest("Id or Path is required")
	}
	if err != nil {
		return err
	}
	if f.IsDir() {
		return vfs.ErrNotFile
	}
	name := c.Query("Filename")
	if name == "" {
		name = f.Name
	}
	secret := vfs.DownloadSecret(inst.TokenSecret, f.ID, time.Now().Add(vfs.DownloadLinkTTL))
	related := "/files/downloads/" + secret + "/" + url.PathEscape(name)
	o := toObject(inst.TokenSecret, f)
	o.Links["related"] = related
	return jsonapi.Write(c, http.StatusOK, jsonapi.Document{Data: o, Links: map[string]any{"related": related}})
}

// downloadBySecret handles GET /files/downloads/:secret/:name, without
// authentication: the secret is the credential.
func (h *Handler) downloadBySecret(c *gin.Context) error {
	inst := middleware.GetInstance(c)
	if inst == nil {
		return httperr.NotFound("no instance")
	}
	id, err := vfs.CheckDownloadSecret(inst.TokenSecret, c.Param("secret"), time.Now())
	if err != nil {
		return httperr.Wrap(http.StatusBadRequest, err) // vfs.ErrInvalidLink, vfs.ErrExpiredLink: not in httperr's table
	}
	fs, _, err := h.fs(c)
	if err != nil {
		return err
	}
	f, err := fs.Get(c.Request.Context(), id)
	if err != nil {
		return err
	}
	if name, err := url.PathUnescape(c.Param("name")); err == nil && name != "" {
		g := *f
		g.Name = name
		f = &g
	}
	return serve(c, fs, f)
}

// serve streams a file's content with http.ServeContent, which answers
// Range, If-Modified-Since, If-None-Match and HEAD requests.
func serve(c *gin.Context, fs *vfs.FS, f *vfs.File) error {
	if f.IsDir() {
		return vfs.ErrNotFile
	}
	r, err := fs.Open(f)
	if err != nil {
		return err
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
	return nil
}
