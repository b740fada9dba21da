package apps

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// DefaultLimit and MaxLimit bound the pages of GET /apps/.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// resource renders an app as a JSON:API resource; a web app's related
// link is its public URL.
func resource(inst *instance.Instance, a *apps.App) (jsonapi.Object, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return jsonapi.Object{}, err
	}
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(b, &attrs); err != nil {
		return jsonapi.Object{}, err
	}
	delete(attrs, "_id")
	delete(attrs, "_rev")
	base := "/apps/"
	if a.Kind() == apps.Konnector {
		base = "/konnectors/"
	}
	links := map[string]any{"self": base + a.Slug, "icon": base + a.Slug + "/icon"}
	if a.Kind() == apps.Webapp {
		links["related"] = inst.AppURL(a.Slug)
	}
	return jsonapi.Object{Type: a.Kind().Doctype(), ID: a.DocID, Attributes: attrs, Links: links}.WithRev(a.Rev), nil
}

// limitParam reads the page size of a list.
func limitParam(c *gin.Context) (int, error) {
	s := c.Query("limit")
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, httperr.BadRequest("limit must be a positive number")
	}
	return min(n, MaxLimit), nil
}

// list serves GET /apps/ and /konnectors/: a page of the installed ones.
func (h *Handler) list(c *gin.Context, k apps.Kind) error {
	if err := h.Auth.RequireWhole(c, permission.GET, k.Doctype()); err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	inst := middleware.GetInstance(c)
	list, next, err := h.Apps.List(c.Request.Context(), inst, k, c.Query("start_key"), limit)
	if err != nil {
		return err
	}
	data := make([]jsonapi.Object, 0, len(list))
	for _, a := range list {
		o, err := resource(inst, a)
		if err != nil {
			return err
		}
		data = append(data, o)
	}
	if next != "" {
		next = c.Request.URL.Path + "?" + url.Values{"limit": {strconv.Itoa(limit)}, "start_key": {next}}.Encode()
	}
	return jsonapi.List(c, http.StatusOK, data, len(data), next)
}

// show serves GET /apps/:slug.
func (h *Handler) show(c *gin.Context, k apps.Kind) error {
	if err := h.Auth.RequireWhole(c, permission.GET, k.Doctype()); err != nil {
		return err
	}
	inst := middleware.GetInstance(c)
	a, err := h.Apps.Get(c.Request.Context(), inst, k, c.Param("slug"))
	if err != nil {
		return err
	}
	o, err := resource(inst, a)
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, o)
}

// uninstall serves DELETE /apps/:slug.
func (h *Handler) uninstall(c *gin.Context, k apps.Kind) error {
	if err := h.Auth.RequireWhole(c, permission.DELETE, k.Doctype()); err != nil {
		return err
	}
	if _, err := h.Apps.Uninstall(c.Request.Context(), middleware.GetInstance(c), k, c.Param("slug")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
