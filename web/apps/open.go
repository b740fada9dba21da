package apps

import (
	"encoding/json"
	"net/http"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// open serves GET /apps/:slug/open: what the flagship app needs to open
// a web app, a session cookie and the index template's values.
func (h *Handler) open(c *gin.Context) error {
	if err := h.Auth.RequireWhole(c, permission.GET, apps.Webapp.Doctype()); err != nil {
		return err
	}
	ctx := c.Request.Context()
	inst := middleware.GetInstance(c)
	a, err := h.Apps.Get(ctx, inst, apps.Webapp, c.Param("slug"))
	if err != nil {
		return err
	}
	s, err := h.Sessions.FromRequest(ctx, inst, c.Request)
	if err != nil {
		if s, err = h.Sessions.Create(ctx, inst, false); err != nil {
			return err
		}
	}
	d, err := h.indexData(inst, a, s)
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, jsonapi.Object{Type: "io.cozy.apps.open", ID: a.DocID,
		Attributes: map[string]any{
			"Cookie": session.Cookie(inst, s, inst.Secure()).String(), "AppEditor": d.AppEditor, "AppName": d.AppName,
			"AppSlug": d.AppSlug, "AppNamePrefix": d.AppNamePrefix, "Capabilities": d.Capabilities, "CozyBar": d.CozyBar,
			"CozyClientJS": d.CozyClientJS, "CozyFonts": d.CozyFonts, "DefaultWallpaper": d.DefaultWallpaper,
			"Domain": d.Domain, "Favicon": d.Favicon, "Flags": d.Flags, "IconPath": d.IconPath,
			"Locale": d.Locale, "SubDomain": d.SubDomain, "ThemeCSS": d.ThemeCSS, "Token": d.Token,
			"Tracking": d.Tracking,
		},
		Links: map[string]any{"self": "/apps/" + a.Slug + "/open"},
	})
}

// indexData computes the template values of an app's index; s is nil on
// a public route (no token then).
func (h *Handler) indexData(inst *instance.Instance, a *apps.App, s *session.Session) (IndexData, error) {
	d := IndexData{
		Domain: inst.Domain, Locale: inst.Locale, AppName: a.Manifest.Name, AppSlug: a.Slug,
		AppNamePrefix: a.Manifest.NamePrefix, AppEditor: a.Manifest.Editor, IconPath: a.Manifest.Icon,
		SubDomain: h.Subdomains, Tracking: "false", Flags: "{}", IsLoggedIn: s != nil,
	}
	caps, err := json.Marshal(config.Capabilities(h.Subdomains))
	if err != nil {
		return d, err
	}
	d.Capabilities = string(caps)
	d.CozyBar, d.CozyClientJS, d.CozyFonts = helpers(inst)
	if s != nil {
		tok, err := inst.IssueClaims(token.Claims{Audience: token.App, Subject: a.Slug, SessionID: s.ID, IssuedAt: h.now().Unix()})
		if err != nil {
			return d, err
		}
		d.Token = tok
	}
	return d, nil
}
