package files

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/pkg/vfs/thumbnail"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

const keyThumbSecret = "files.thumbkey"

// thumbSecret is the unguessable part of a file's thumbnail links: an HMAC
// of its id with the instance's token secret. Thumbnails are fetched by
// <img> tags, without a token.
func thumbSecret(key []byte, id string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("files-thumbnail\n" + id))
	return hex.EncodeToString(mac.Sum(nil)[:12])
}

// thumbLinks adds the thumbnail links of an image to its resource links.
func thumbLinks(c *gin.Context, f *vfs.File, links map[string]any) {
	if c == nil || !vfs.HasThumbnails(f) {
		return
	}
	key, _ := c.Get(keyThumbSecret)
	k, ok := key.([]byte)
	if !ok {
		return
	}
	s := thumbSecret(k, f.ID)
	for _, t := range thumbnail.Formats {
		links[t.Name] = "/files/" + f.ID + "/thumbnails/" + s + "/" + t.Name
	}
}

// thumb handles GET /files/:id/thumbnails/:secret/:format.
func (h *Handler) thumb(c *gin.Context) {
	fs, inst, ok := h.fs(c)
	if !ok {
		return
	}
	if !hmac.Equal([]byte(c.Param("secret")), []byte(thumbSecret(inst.TokenSecret, c.Param("id")))) {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "invalid thumbnail link"))
		return
	}
	f, err := fs.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	r, err := fs.Thumbnail(c.Request.Context(), f, c.Param("format"))
	if err != nil {
		fail(c, err)
		return
	}
	defer r.Close()
	c.Header("Content-Type", "image/jpeg")
	c.Header("Cache-Control", "private, max-age=86400")
	c.Header("X-Content-Type-Options", "nosniff")
	http.ServeContent(c.Writer, c.Request, c.Param("format")+".jpg", f.UpdatedAt, r)
}

// thumbnailsInBackground starts making the thumbnails of a new photo, so
// that the first view finds them ready; the VFS makes one at a time.
func (h *Handler) thumbnailsInBackground(fs *vfs.FS, f *vfs.File) {
	if !vfs.HasThumbnails(f) {
		return
	}
	go func() {
		if err := fs.MakeThumbnails(context.Background(), f); err != nil {
			h.log.Debug("thumbnails", "file", f.ID, "error", err)
		}
	}()
}
