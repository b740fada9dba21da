package files

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/mango"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// Handler serves /files over each instance's VFS (instance.Manager.VFS).
type Handler struct {
	instances *instance.Manager
	auth      *middleware.Auth
	log       *slog.Logger
}

// New returns the /files handler.
func New(instances *instance.Manager, auth *middleware.Auth, log *slog.Logger) *Handler {
	return &Handler{instances: instances, auth: auth, log: log}
}

// Register adds the routes under r.
func (h *Handler) Register(r *gin.RouterGroup) {
	g := r.Group("/files")
	g.POST("/", h.create)
	g.POST("/:id", h.create)
	g.GET("/metadata", h.metadata)
	g.HEAD("/metadata", h.metadata)
	g.PATCH("/metadata", h.patchByPath)
	g.GET("/download", h.downloadByPath)
	g.HEAD("/download", h.downloadByPath)
	g.GET("/download/:id", h.download)
	g.HEAD("/download/:id", h.download)
	g.PATCH("/", h.bulkPatch)
	g.POST("/downloads", h.downloadLink)
	g.GET("/downloads/:secret/:name", h.downloadBySecret)
	g.HEAD("/downloads/:secret/:name", h.downloadBySecret)
	g.POST("/:id/copy", h.copyFile)
	g.POST("/:id/relationships/referenced_by", h.references)
	g.DELETE("/:id/relationships/referenced_by", h.references)
	g.POST("/:id/relationships/not_synchronized_on", h.references)
	g.DELETE("/:id/relationships/not_synchronized_on", h.references)
	g.POST("/upload/metadata", h.uploadMetadata)
	g.POST("/archive", h.createArchive)
	g.GET("/archive/:key/:name", h.downloadArchive)
	g.GET("/fsck", h.fsck)
	g.POST("/fsck", h.fsck)
	g.GET("/_changes", h.changes)
	g.POST("/_find", h.find)
	g.POST("/_all_docs", h.allDocs)
	g.GET("/trash", h.listTrash)
	g.DELETE("/trash", h.emptyTrash)
	g.POST("/trash/:id", h.restore)
	g.DELETE("/trash/:id", h.destroy)
	g.GET("/:id", h.get)
	g.HEAD("/:id", h.get)
	g.GET("/:id/size", h.size)
	g.GET("/:id/thumbnails/:secret/:format", h.thumb)
	g.PUT("/:id", h.overwrite)
	g.PATCH("/:id", h.patch)
	g.DELETE("/:id", h.trash)
}

// fs returns the VFS of the request's instance.
func (h *Handler) fs(c *gin.Context) (*vfs.FS, *instance.Instance, bool) {
	inst := middleware.GetInstance(c)
	if inst == nil {
		httperr.JSONAPI(c, httperr.New(http.StatusNotFound, "no instance"))
		return nil, nil, false
	}
	fs, err := h.instances.VFS(c.Request.Context(), inst)
	if err != nil {
		httperr.JSONAPI(c, err)
		return nil, nil, false
	}
	c.Set(keyThumbSecret, inst.TokenSecret)
	return fs, inst, true
}

// fail renders a VFS error with its status.
func fail(c *gin.Context, err error) {
	httperr.JSONAPI(c, httperr.Wrap(status(err), err))
}

func status(err error) int {
	switch {
	case errors.Is(err, vfs.ErrNotFound), errors.Is(err, vfs.ErrParentNotFound):
		return http.StatusNotFound
	case errors.Is(err, vfs.ErrExists):
		return http.StatusConflict
	case errors.Is(err, vfs.ErrInvalidName), errors.Is(err, vfs.ErrInvalidType),
		errors.Is(err, vfs.ErrNotDirectory), errors.Is(err, vfs.ErrNotFile), errors.Is(err, vfs.ErrInvalidMetadata):
		return http.StatusUnprocessableEntity
	case errors.Is(err, vfs.ErrMD5Mismatch), errors.Is(err, vfs.ErrSizeMismatch), errors.Is(err, vfs.ErrRevMismatch):
		return http.StatusPreconditionFailed
	case errors.Is(err, vfs.ErrQuota):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, vfs.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, store.ErrBadRequest), errors.Is(err, store.ErrNoUsableIndex), errors.Is(err, mango.ErrBadQuery):
		return http.StatusBadRequest
	case errors.Is(err, vfs.ErrMoveIntoItself), errors.Is(err, vfs.ErrNotTrashed),
		errors.Is(err, vfs.ErrAlreadyTrashed), errors.Is(err, vfs.ErrInvalidMD5):
		return http.StatusBadRequest
	}
	return httperr.Status(err)
}

// allow checks verb v on f, whose ancestors are resolved first so that a
// rule on a directory covers what is inside.
func (h *Handler) allow(c *gin.Context, fs *vfs.FS, v permission.Verb, f *vfs.File) bool {
	if _, err := fs.Ancestors(c.Request.Context(), f); err != nil {
		fail(c, err)
		return false
	}
	return h.auth.AllowDoc(c, v, vfs.Doctype, f)
}

// load gets a file by id and checks verb v on it.
func (h *Handler) load(c *gin.Context, fs *vfs.FS, v permission.Verb, id string) (*vfs.File, bool) {
	f, err := fs.Get(c.Request.Context(), id)
	if err != nil {
		// Tell a missing file only to who may read the doctype somewhere.
		if !h.auth.AllowSome(c, v, vfs.Doctype) {
			return nil, false
		}
		fail(c, err)
		return nil, false
	}
	if !h.allow(c, fs, v, f) {
		return nil, false
	}
	return f, true
}

// appSlug is the app or konnector making the request, for cozyMetadata.
func appSlug(c *gin.Context) string {
	if cl := middleware.Claims(c); cl != nil && (cl.Audience == token.App || cl.Audience == token.Konnector) {
		return cl.Subject
	}
	return ""
}

// actor describes who trashes a file.
func actor(inst *instance.Instance) *vfs.Actor {
	return &vfs.Actor{Kind: "member", DisplayName: inst.PublicName, Domain: inst.Domain}
}

// mayTouchFiles checks, before any lookup, that the request's credentials
// allow verb on at least some files: handlers that must read the store to
// decide the exact permission would otherwise tell strangers what exists.
func (h *Handler) mayTouchFiles(c *gin.Context, verb permission.Verb) bool {
	return h.auth.AllowSome(c, verb, vfs.Doctype)
}
