package apps

import (
	"log/slog"
	"time"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// Handler serves the apps and konnectors API and the apps themselves.
type Handler struct {
	Instances *instance.Manager
	Apps      *apps.Manager
	Auth      *middleware.Auth
	Sessions  *session.Manager
	// Codes hands sessions to the apps' sub-domains (single-use codes).
	Codes *session.Codes
	// Subdomains is config.SubdomainsFlat or config.SubdomainsNested, for
	// the capabilities given to the apps (the hosts themselves come from
	// the instance's public settings).
	Subdomains string
	Log        *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Register adds the /apps and /konnectors routes.
func (h *Handler) Register(r gin.IRouter) {
	for _, k := range []apps.Kind{apps.Webapp, apps.Konnector} {
		base := "/konnectors"
		if k == apps.Webapp {
			base = "/apps"
		}
		kind := k
		with := func(f func(*gin.Context, apps.Kind) error) gin.HandlerFunc {
			return httperr.Handle(func(c *gin.Context) error { return f(c, kind) })
		}
		r.GET(base+"/", with(h.list))
		r.GET(base+"/:slug", with(h.show))
		r.POST(base+"/:slug", with(h.install))
		r.PUT(base+"/:slug", with(h.update))
		r.DELETE(base+"/:slug", with(h.uninstall))
		r.GET(base+"/:slug/icon", with(h.icon))
		r.GET(base+"/:slug/icon/:version", with(h.icon))
		r.GET(base+"/:slug/download", with(h.download))
		r.GET(base+"/:slug/download/:version", with(h.download))
		r.POST(base+"/:slug/logs", with(h.logs))
	}
	r.GET("/apps/:slug/open", httperr.Handle(h.open))
	r.GET("/apps/:slug/session", httperr.Handle(h.sessionCode))
	r.GET("/assets/*filepath", httperr.Handle(h.asset))
	r.HEAD("/assets/*filepath", httperr.Handle(h.asset))
}
