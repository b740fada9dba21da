package files

import (
	"log/slog"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
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
	handle := func(method, path string, f httperr.HandlerFunc) { g.Handle(method, path, httperr.Handle(f)) }
	handle("POST", "/", h.create)
	handle("POST", "/:id", h.create)
	handle("GET", "/metadata", h.metadata)
	handle("HEAD", "/metadata", h.metadata)
	handle("PATCH", "/metadata", h.patchByPath)
	handle("GET", "/download", h.downloadByPath)
	handle("HEAD", "/download", h.downloadByPath)
	handle("GET", "/download/:id", h.download)
	handle("HEAD", "/download/:id", h.download)
	handle("PATCH", "/", h.bulkPatch)
	handle("POST", "/downloads", h.downloadLink)
	handle("GET", "/downloads/:secret/:name", h.downloadBySecret)
	handle("HEAD", "/downloads/:secret/:name", h.downloadBySecret)
	handle("POST", "/:id/copy", h.copyFile)
	handle("POST", "/:id/relationships/referenced_by", h.references)
	handle("DELETE", "/:id/relationships/referenced_by", h.references)
	handle("POST", "/:id/relationships/not_synchronized_on", h.references)
	handle("DELETE", "/:id/relationships/not_synchronized_on", h.references)
	handle("POST", "/upload/metadata", h.uploadMetadata)
	handle("POST", "/archive", h.createArchive)
	handle("GET", "/archive/:key/:name", h.downloadArchive)
	handle("GET", "/fsck", h.fsck)
	handle("POST", "/fsck", h.fsck)
	handle("GET", "/_changes", h.changes)
	handle("POST", "/_find", h.find)
	handle("POST", "/_all_docs", h.allDocs)
	handle("GET", "/trash", h.listTrash)
	handle("DELETE", "/trash", h.emptyTrash)
	handle("POST", "/trash/:id", h.restore)
	handle("DELETE", "/trash/:id", h.destroy)
	handle("GET", "/:id", h.get)
	handle("HEAD", "/:id", h.get)
	handle("GET", "/:id/size", h.size)
	handle("GET", "/:id/thumbnails/:secret/:format", h.thumb)
	handle("PUT", "/:id", h.overwrite)
	handle("PATCH", "/:id", h.patch)
	handle("DELETE", "/:id", h.trash)
}

// fs returns the VFS of the request's instance, and the instance.
func (h *Handler) fs(c *gin.Context) (*vfs.FS, *instance.Instance, error) {
	inst := middleware.GetInstance(c)
	if inst == nil {
		return nil, nil, httperr.NotFound("no instance")
	}
	fs, err := h.instances.VFS(c.Request.Context(), inst)
	if err != nil {
		return nil, nil, err
	}
	return fs, inst, nil
}

// require checks verb v on f, whose ancestors are resolved first so that
// a rule on a directory covers what is inside.
func (h *Handler) require(c *gin.Context, fs *vfs.FS, v permission.Verb, f *vfs.File) error {
	if _, err := fs.Ancestors(c.Request.Context(), f); err != nil {
		return err
	}
	return h.auth.RequireDoc(c, v, vfs.Doctype, f)
}

// load gets a file by id and checks verb v on it.
func (h *Handler) load(c *gin.Context, fs *vfs.FS, v permission.Verb, id string) (*vfs.File, error) {
	f, err := fs.Get(c.Request.Context(), id)
	return h.found(c, fs, v, f, err)
}

// byPath gets the file at ?Path= and checks verb v on it.
func (h *Handler) byPath(c *gin.Context, fs *vfs.FS, v permission.Verb) (*vfs.File, error) {
	p := c.Query("Path")
	if p == "" {
		return nil, httperr.BadRequest("missing Path")
	}
	f, err := fs.GetByPath(c.Request.Context(), p)
	return h.found(c, fs, v, f, err)
}

// found checks verb v on a file just looked up; a lookup error is told
// only to who may use v on some files, so that strangers learn nothing of
// what exists.
func (h *Handler) found(c *gin.Context, fs *vfs.FS, v permission.Verb, f *vfs.File, err error) (*vfs.File, error) {
	if err != nil {
		if perr := h.auth.RequireSome(c, v, vfs.Doctype); perr != nil {
			return nil, perr
		}
		return nil, err
	}
	if err := h.require(c, fs, v, f); err != nil {
		return nil, err
	}
	return f, nil
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
