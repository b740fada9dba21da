package permissions

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// Handler serves the /permissions routes.
type Handler struct {
	Perms *permstore.Store
	Auth  *middleware.Auth
	Log   *slog.Logger
}

// Register adds the routes.
func (h *Handler) Register(r gin.IRouter) {
	r.GET("/permissions/self", h.self)
	r.POST("/permissions", h.create)
	r.POST("/permissions/exists", h.exists)
	r.GET("/permissions/doctype/:doctype/shared-by-link", h.sharedByLink)
	r.GET("/permissions/:id", h.get)
	r.PATCH("/permissions/:id", h.patch)
	r.DELETE("/permissions/:id", h.delete)
}

// maxBody bounds a request body: permission documents are small.
const maxBody = 256 << 10

// mediaType is JSON:API's content type.
const mediaType = "application/vnd.api+json"

// object is the JSON:API resource object of a permission.
func object(p *permission.Permission, withCodes bool) gin.H {
	attrs := gin.H{"type": p.Type, "permissions": p.Rules}
	if p.SourceID != "" {
		attrs["source_id"] = p.SourceID
	}
	if p.ExpiresAt != nil {
		attrs["expires_at"] = p.ExpiresAt
	}
	if withCodes && len(p.Codes) > 0 {
		attrs["codes"] = p.Codes
	}
	if withCodes && len(p.ShortCodes) > 0 {
		attrs["shortcodes"] = p.ShortCodes
	}
	if !p.CreatedAt.IsZero() {
		attrs["cozyMetadata"] = gin.H{"createdAt": p.CreatedAt, "updatedAt": p.UpdatedAt, "metadataVersion": 1}
	}
	obj := gin.H{"type": permstore.Doctype, "id": p.ID, "attributes": attrs}
	if p.Rev != "" {
		obj["meta"] = gin.H{"rev": p.Rev}
	}
	if p.ID != "" {
		obj["links"] = gin.H{"self": "/permissions/" + p.ID}
	}
	return obj
}

func render(c *gin.Context, status int, body gin.H) {
	c.Header("Content-Type", mediaType)
	c.JSON(status, body)
}

// current returns the request's permission and instance, rendering the
// error when there is none.
func (h *Handler) current(c *gin.Context) (*permission.Permission, *instance.Instance, bool) {
	p, err := h.Auth.Permission(c)
	if err != nil {
		httperr.JSONAPI(c, err)
		return nil, nil, false
	}
	return p, middleware.GetInstance(c), true
}

func (h *Handler) self(c *gin.Context) {
	p, _, ok := h.current(c)
	if !ok {
		return
	}
	view := *p
	if view.ID == "" {
		// OAuth and CLI permissions are not stored: name them by source.
		view.ID = strings.TrimPrefix(view.SourceID, "io.cozy.oauth.clients/")
	}
	// A share recipient sees the rules it holds, never the other codes.
	render(c, http.StatusOK, gin.H{"data": object(&view, !permstore.IsShare(p.Type))})
}

// shares returns the share permissions of the instance, live ones only.
func (h *Handler) shares(c *gin.Context, inst *instance.Instance) ([]*permission.Permission, error) {
	all, err := h.Perms.List(c, inst, permission.TypeShareByLink, permission.TypeSharePreview, permission.TypeShareInteract)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	live := all[:0]
	for _, p := range all {
		if !p.Expired(now) {
			live = append(live, p)
		}
	}
	return live, nil
}
