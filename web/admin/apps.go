package admin

import (
	"net/http"
	"strconv"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/instance"
	appsweb "github.com/cozypi/cozy/web/apps"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// registerApps adds the routes behind `cozy apps` and `cozy konnectors`:
// :kind is "apps" or "konnectors". Installs and updates wait for their end
// and answer the document as stored.
func (h *Handler) registerApps(r gin.IRouter) {
	for _, kind := range []string{"apps", "konnectors"} {
		base := "/instances/:domain/" + kind
		set := func(c *gin.Context) { c.Set(kindKey, kind) }
		r.GET(base, set, h.listApps)
		r.GET(base+"/:slug", set, h.showApp)
		r.POST(base+"/:slug", set, h.installApp)
		r.PUT(base+"/:slug", set, h.installApp)
		r.DELETE(base+"/:slug", set, h.uninstallApp)
	}
}

// kindKey holds "apps" or "konnectors" in the request's context.
const kindKey = "cozy.admin.apps_kind"

// appsTarget returns the instance and kind named in the path.
func (h *Handler) appsTarget(c *gin.Context) (*instance.Instance, apps.Kind, bool) {
	var k apps.Kind
	switch c.GetString(kindKey) {
	case "apps":
		k = apps.Webapp
	case "konnectors":
		k = apps.Konnector
	default:
		httperr.JSONAPI(c, httperr.New(http.StatusNotFound, "no route for "+c.Request.URL.Path))
		return nil, "", false
	}
	if h.Apps == nil {
		httperr.JSONAPI(c, httperr.New(http.StatusNotImplemented, "apps are not enabled"))
		return nil, "", false
	}
	inst, err := h.Instances.Get(c.Param("domain"))
	if err != nil {
		httperr.JSONAPI(c, err)
		return nil, "", false
	}
	return inst, k, true
}

func appsError(c *gin.Context, err error) {
	httperr.JSONAPI(c, httperr.Wrap(appsweb.Status(err), err))
}

func (h *Handler) listApps(c *gin.Context) {
	inst, k, ok := h.appsTarget(c)
	if !ok {
		return
	}
	var all []*apps.App
	start := ""
	for {
		page, next, err := h.Apps.List(c, inst, k, start, 500)
		if err != nil {
			appsError(c, err)
			return
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		start = next
	}
	if all == nil {
		all = []*apps.App{}
	}
	c.JSON(http.StatusOK, all)
}

func (h *Handler) showApp(c *gin.Context) {
	inst, k, ok := h.appsTarget(c)
	if !ok {
		return
	}
	a, err := h.Apps.Get(c, inst, k, c.Param("slug"))
	if err != nil {
		appsError(c, err)
		return
	}
	c.JSON(http.StatusOK, a)
}

// installApp installs (POST) or updates (PUT) and waits for the end.
func (h *Handler) installApp(c *gin.Context) {
	inst, k, ok := h.appsTarget(c)
	if !ok {
		return
	}
	acked := true
	if s := c.Query("PermissionsAcked"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "PermissionsAcked must be true or false"))
			return
		}
		acked = b
	}
	req := apps.Request{Kind: k, Slug: c.Param("slug"), Source: c.Query("Source"), PermissionsAcked: acked}
	run := h.Apps.Install
	if c.Request.Method == http.MethodPut {
		run = h.Apps.Update
	}
	op, err := run(c, inst, req)
	if err != nil {
		appsError(c, err)
		return
	}
	a, err := op.Wait()
	if err != nil {
		appsError(c, err)
		return
	}
	c.JSON(http.StatusOK, a)
}

func (h *Handler) uninstallApp(c *gin.Context) {
	inst, k, ok := h.appsTarget(c)
	if !ok {
		return
	}
	if _, err := h.Apps.Uninstall(c, inst, k, c.Param("slug")); err != nil {
		appsError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
