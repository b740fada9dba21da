package permissions

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
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
	r.GET("/permissions/self", httperr.Handle(h.self))
	r.POST("/permissions", httperr.Handle(h.create))
	r.POST("/permissions/exists", httperr.Handle(h.exists))
	r.GET("/permissions/doctype/:doctype/shared-by-link", httperr.Handle(h.sharedByLink))
	r.GET("/permissions/:id", httperr.Handle(h.get))
	r.PATCH("/permissions/:id", httperr.Handle(h.patch))
	r.DELETE("/permissions/:id", httperr.Handle(h.delete))
}

// maxBody bounds a request body: permission documents are small.
const maxBody = 256 << 10

// object is the JSON:API resource object of a permission; withCodes shows
// its codes (never to a share recipient, who must not learn the others').
func object(p *permission.Permission, withCodes bool) jsonapi.Object {
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
	obj := jsonapi.Object{Type: permstore.Doctype, ID: p.ID, Attributes: attrs}
	if p.ID != "" {
		obj.Links = map[string]any{"self": "/permissions/" + p.ID}
	}
	return obj.WithRev(p.Rev)
}

// self serves GET /permissions/self: the permission of the request's token.
func (h *Handler) self(c *gin.Context) error {
	p, err := h.Auth.Permission(c)
	if err != nil {
		return err
	}
	view := *p
	if view.ID == "" {
		// OAuth and CLI permissions are not stored: name them by source.
		view.ID = strings.TrimPrefix(view.SourceID, "io.cozy.oauth.clients/")
	}
	return jsonapi.Data(c, http.StatusOK, object(&view, !permstore.IsShare(p.Type)))
}
