package files

import (
	"net/http"

	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// thumb handles GET /files/:id/thumbnails/:secret/:format, without a
// token (<img> tags fetch it): the secret is the credential. Thumbnails
// are made by the VFS's queue after an upload, or here on demand.
func (h *Handler) thumb(c *gin.Context) error {
	fs, inst, err := h.fs(c)
	if err != nil {
		return err
	}
	if err := vfs.CheckThumbSecret(inst.TokenSecret, c.Param("id"), c.Param("secret")); err != nil {
		return httperr.Wrap(http.StatusBadRequest, err) // vfs.ErrInvalidLink: not in httperr's table
	}
	f, err := fs.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	r, err := fs.Thumbnail(c.Request.Context(), f, c.Param("format"))
	if err != nil {
		return err
	}
	defer r.Close()
	c.Header("Content-Type", "image/jpeg")
	c.Header("Cache-Control", "private, max-age=86400")
	c.Header("X-Content-Type-Options", "nosniff")
	http.ServeContent(c.Writer, c.Request, c.Param("format")+".jpg", f.UpdatedAt, r)
	return nil
}
