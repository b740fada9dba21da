// Package sharings serves the listing routes of /sharings that the apps
// call on every page (sharing.md, shared-drives.md): the sharings of a
// doctype (Drive's "Who has access?") and the shared drives. See package
// pkg/sharing for their limits: the box creates no sharing yet, so the
// answers are those of an instance without sharings unless sharing
// documents are in the store.
package sharings

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/sharing"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// Handler serves /sharings.
type Handler struct {
	Instances *instance.Manager
	Auth      *middleware.Auth
	Log       *slog.Logger
}

// Register adds the routes.
func (h *Handler) Register(r gin.IRouter) {
	r.GET("/sharings/doctype/:doctype", httperr.Handle(h.byDoctype))
	r.GET("/sharings/drives", httperr.Handle(h.drives))
}

// byDoctype is GET /sharings/doctype/:doctype[?shared_docs=false]: the
// sharings with a rule on the doctype, with their shared documents as
// relationships unless shared_docs=false. As upstream, reading them needs
// GET on the whole doctype.
func (h *Handler) byDoctype(c *gin.Context) error {
	doctype := c.Param("doctype")
	if err := h.Auth.RequireWhole(c, permission.GET, doctype); err != nil {
		return err
	}
	withDocs := true
	if v := c.Query("shared_docs"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return httperr.BadRequest("shared_docs is true or false")
		}
		withDocs = b
	}
	return h.list(c, withDocs, func(s *sharing.Sharing) bool { return s.HasDoctype(doctype) })
}

// drives is GET /sharings/drives: the shared drives; reading them needs
// GET on the files.
func (h *Handler) drives(c *gin.Context) error {
	if err := h.Auth.RequireWhole(c, permission.GET, "io.cozy.files"); err != nil {
		return err
	}
	return h.list(c, false, func(s *sharing.Sharing) bool { return s.Drive })
}

func (h *Handler) list(c *gin.Context, withDocs bool, keep func(*sharing.Sharing) bool) error {
	inst := middleware.GetInstance(c)
	st, err := h.Instances.Store(inst)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	list, err := sharing.List(ctx, st, keep)
	if err != nil {
		return err
	}
	var docs map[string][]sharing.SharedDoc
	if withDocs {
		ids := make([]string, len(list))
		for i, s := range list {
			ids[i] = s.ID
		}
		if docs, err = sharing.SharedDocs(ctx, st, ids); err != nil {
			return err
		}
	}
	objs := make([]jsonapi.Object, len(list))
	for i, s := range list {
		o := jsonapi.Object{Type: sharing.Doctype, ID: s.ID, Attributes: s.Attributes,
			Links: map[string]any{"self": "/sharings/" + s.ID}}
		if withDocs {
			data := []map[string]string{}
			for _, d := range docs[s.ID] {
				data = append(data, map[string]string{"id": d.ID, "type": d.Doctype})
			}
			o.Relationships = map[string]any{"shared_docs": map[string]any{"data": data}}
		}
		objs[i] = o.WithRev(s.Rev)
	}
	return jsonapi.List(c, http.StatusOK, objs, len(objs), "")
}
