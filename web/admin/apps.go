package admin

import (
	"net/http"
	"strconv"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// registerApps adds the routes behind `cozy apps` and `cozy konnectors`.
// Installs and updates wait for their end and answer the document as
// stored. The answers are plain JSON documents (io.cozy.apps and
// io.cozy.konnectors as stored).
func (h *Handler) registerApps(r gin.IRouter) {
	for path, k := range map[string]apps.Kind{"apps": apps.Webapp, "konnectors": apps.Konnector} {
		base := "/instances/:domain/" + path
		r.GET(base, httperr.Handle(h.listApps(k)))
		r.GET(base+"/:slug", httperr.Handle(h.showApp(k)))
		r.POST(base+"/:slug", httperr.Handle(h.installApp(k)))
		r.PUT(base+"/:slug", httperr.Handle(h.installApp(k)))
		r.DELETE(base+"/:slug", httperr.Handle(h.uninstallApp(k)))
	}
}

// appsInstance returns the instance named in the path, once apps are
// enabled.
func (h *Handler) appsInstance(c *gin.Context) (*instance.Instance, error) {
	if h.Apps == nil {
		return nil, httperr.New(http.StatusNotImplemented, "apps are not enabled")
	}
	return h.Instances.Get(c.Param("domain"))
}

// listApps serves GET /instances/:domain/apps|konnectors: all of them.
func (h *Handler) listApps(k apps.Kind) httperr.HandlerFunc {
	return func(c *gin.Context) error {
		inst, err := h.appsInstance(c)
		if err != nil {
			return err
		}
		all := []*apps.App{}
		for start := ""; ; {
			page, next, err := h.Apps.List(c.Request.Context(), inst, k, start, 500)
			if err != nil {
				return err
			}
			all = append(all, page...)
			if next == "" {
				break
			}
			start = next
		}
		c.JSON(http.StatusOK, all)
		return nil
	}
}

// showApp serves GET /instances/:domain/apps|konnectors/:slug.
func (h *Handler) showApp(k apps.Kind) httperr.HandlerFunc {
	return func(c *gin.Context) error {
		inst, err := h.appsInstance(c)
		if err != nil {
			return err
		}
		a, err := h.Apps.Get(c.Request.Context(), inst, k, c.Param("slug"))
		if err != nil {
			return err
		}
		c.JSON(http.StatusOK, a)
		return nil
	}
}

// installApp installs (POST) or updates (PUT) and waits for the end.
func (h *Handler) installApp(k apps.Kind) httperr.HandlerFunc {
	return func(c *gin.Context) error {
		inst, err := h.appsInstance(c)
		if err != nil {
			return err
		}
		acked := true
		if s := c.Query("PermissionsAcked"); s != "" {
			if acked, err = strconv.ParseBool(s); err != nil {
				return httperr.BadRequest("PermissionsAcked must be true or false")
			}
		}
		req := apps.Request{Kind: k, Slug: c.Param("slug"), Source: c.Query("Source"), PermissionsAcked: acked}
		run := h.Apps.Install
		if c.Request.Method == http.MethodPut {
			run = h.Apps.Update
		}
		op, err := run(c.Request.Context(), inst, req)
		if err != nil {
			return err
		}
		a, err := op.Wait()
		if err != nil {
			return err
		}
		c.JSON(http.StatusOK, a)
		return nil
	}
}

// uninstallApp serves DELETE /instances/:domain/apps|konnectors/:slug.
func (h *Handler) uninstallApp(k apps.Kind) httperr.HandlerFunc {
	return func(c *gin.Context) error {
		inst, err := h.appsInstance(c)
		if err != nil {
			return err
		}
		if _, err := h.Apps.Uninstall(c.Request.Context(), inst, k, c.Param("slug")); err != nil {
			return err
		}
		c.Status(http.StatusNoContent)
		return nil
	}
}
