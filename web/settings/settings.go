package settings

import (
	"log/slog"
	"net/http"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/auth"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// Doctype is the doctype settings permissions name.
const Doctype = "io.cozy.settings"

// Handler serves the routes.
type Handler struct {
	Instances  *instance.Manager
	Sessions   *session.Manager
	OAuth      *oauth.Service
	Auth       *middleware.Auth
	Login      *auth.Handler // opens sessions and limits passphrase checks
	Subdomains string
	Log        *slog.Logger
}

// Register adds the routes.
func (h *Handler) Register(r gin.IRouter) {
	r.GET("/public/prelogin", httperr.Handle(h.prelogin))
	r.GET("/settings/passphrase", httperr.Handle(h.passphraseParams))
	r.POST("/settings/passphrase", httperr.Handle(h.onboard))
	r.PUT("/settings/passphrase", httperr.Handle(h.changePassphrase))
	r.POST("/settings/passphrase/check", httperr.Handle(h.checkPassphrase))
	r.GET("/settings/instance", httperr.Handle(h.getInstance))
	r.PUT("/settings/instance", httperr.Handle(h.putInstance))
	r.GET("/settings/capabilities", httperr.Handle(h.capabilities))
	r.GET("/settings/disk-usage", httperr.Handle(h.diskUsage))
	r.GET("/settings/sessions", httperr.Handle(h.sessions))
	r.GET("/settings/clients", httperr.Handle(h.clients))
	r.DELETE("/settings/clients/:id", httperr.Handle(h.deleteClient))
	r.GET("/settings/context", httperr.Handle(h.context))
	r.GET("/settings/flags", httperr.Handle(h.flags))
	r.POST("/settings/synchronized", httperr.Handle(h.synchronized))
	r.GET("/settings/sessions/current", httperr.Handle(h.currentSession))
	r.GET("/public/avatar", httperr.Handle(h.avatar))
	r.GET("/connection_check", h.connectionCheck)
}

// settingsObject is the JSON:API resource of one settings document.
func settingsObject(c *gin.Context, id string, attrs any) jsonapi.Object {
	return jsonapi.Object{Type: Doctype, ID: id, Attributes: attrs, Links: map[string]any{"self": c.Request.URL.Path}}
}

func (h *Handler) prelogin(c *gin.Context) error {
	inst := middleware.GetInstance(c)
	if inst.PassphraseHash == "" {
		return httperr.New(http.StatusPreconditionFailed, "the instance has not been onboarded")
	}
	c.JSON(http.StatusOK, gin.H{"Kdf": 0, "KdfIterations": inst.KdfIterations, "OIDC": false, "FranceConnect": false,
		"locale": inst.Locale, "magic_link": false, "name": inst.PublicName})
	return nil
}

func (h *Handler) capabilities(c *gin.Context) error {
	if err := h.requireAny(c); err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, settingsObject(c, "io.cozy.settings.capabilities", config.Capabilities(h.Subdomains)))
}

// sessionObject is the resource of a login session.
func sessionObject(s *session.Session) jsonapi.Object {
	return jsonapi.Object{Type: session.Doctype, ID: s.ID, Attributes: map[string]any{
		"created_at": s.CreatedAt, "expires_at": s.ExpiresAt, "long_run": s.LongRun}}.WithRev(s.Rev)
}

func (h *Handler) sessions(c *gin.Context) error {
	if err := h.require(c, permission.GET); err != nil {
		return err
	}
	list, err := h.Sessions.List(c.Request.Context(), middleware.GetInstance(c))
	if err != nil {
		return err
	}
	data := make([]jsonapi.Object, len(list))
	for i, s := range list {
		data[i] = sessionObject(s)
	}
	return jsonapi.List(c, http.StatusOK, data, len(data), "")
}

// clients lists the OAuth clients, without their secrets.
func (h *Handler) clients(c *gin.Context) error {
	if err := h.require(c, permission.GET); err != nil {
		return err
	}
	list, err := h.OAuth.List(c.Request.Context(), middleware.GetInstance(c))
	if err != nil {
		return err
	}
	data := make([]jsonapi.Object, len(list))
	for i, cl := range list {
		view := *cl
		view.Secret, view.RegistrationToken = "", ""
		data[i] = jsonapi.Object{Type: oauth.ClientsDoctype, ID: cl.ID, Attributes: view}.WithRev(cl.Rev)
	}
	return jsonapi.List(c, http.StatusOK, data, len(data), "")
}

func (h *Handler) deleteClient(c *gin.Context) error {
	if err := h.require(c, permission.DELETE); err != nil {
		return err
	}
	if err := h.OAuth.Delete(c.Request.Context(), middleware.GetInstance(c), c.Param("id")); err != nil {
		return clientError(err)
	}
	c.Status(http.StatusNoContent)
	return nil
}
