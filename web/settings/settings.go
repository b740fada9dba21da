package settings

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/auth"
	"github.com/cozypi/cozy/web/httperr"
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
	Login      *auth.Handler // opens sessions and throttles passphrase checks
	Subdomains string
	Log        *slog.Logger
}

// Register adds the routes.
func (h *Handler) Register(r gin.IRouter) {
	r.GET("/public/prelogin", h.prelogin)
	r.GET("/settings/passphrase", h.passphraseParams)
	r.POST("/settings/passphrase", h.onboard)
	r.PUT("/settings/passphrase", h.changePassphrase)
	r.POST("/settings/passphrase/check", h.checkPassphrase)
	r.GET("/settings/instance", h.getInstance)
	r.PUT("/settings/instance", h.putInstance)
	r.GET("/settings/capabilities", h.capabilities)
	r.GET("/settings/disk-usage", h.diskUsage)
	r.GET("/settings/sessions", h.sessions)
	r.GET("/settings/clients", h.clients)
	r.DELETE("/settings/clients/:id", h.deleteClient)
	r.GET("/settings/context", h.context)
	r.GET("/settings/flags", h.flags)
	r.POST("/settings/synchronized", h.synchronized)
	r.GET("/settings/sessions/current", h.currentSession)
	r.GET("/public/avatar", h.avatar)
	r.GET("/connection_check", h.connectionCheck)
}

// allow accepts the owner's session, else checks the token's permission.
func (h *Handler) allow(c *gin.Context, v permission.Verb) bool {
	if h.ownerSession(c) {
		return true
	}
	return h.Auth.AllowWhole(c, v, Doctype)
}

// authenticated accepts a session or any valid token.
func (h *Handler) authenticated(c *gin.Context) bool {
	if h.ownerSession(c) {
		return true
	}
	if _, err := h.Auth.Permission(c); err != nil {
		httperr.JSONAPI(c, err)
		return false
	}
	return true
}

// ownerSession tells whether the request carries the owner's session
// cookie and comes from the instance's own pages. With CORS reflecting
// origins with credentials, a cookie sent by another origin (an app on a
// sibling sub-domain is same-site, so SameSite=Lax does not stop it) must
// not stand for the owner: such requests need a token.
func (h *Handler) ownerSession(c *gin.Context) bool {
	if origin := c.Request.Header.Get("Origin"); origin != "" && !sameOrigin(c.Request, origin) {
		return false
	}
	_, err := h.Sessions.FromRequest(c, middleware.GetInstance(c), c.Request)
	return err == nil
}

// sameOrigin compares the host of origin with the request's own host (the
// scheme is left out: TLS may end at a proxy).
func sameOrigin(r *http.Request, origin string) bool {
	_, host, ok := strings.Cut(origin, "://")
	return ok && strings.EqualFold(host, r.Host)
}

// resource renders a JSON:API document of type io.cozy.settings.
func resource(c *gin.Context, status int, id, rev string, attrs any) {
	data := gin.H{"type": Doctype, "id": id, "attributes": attrs, "links": gin.H{"self": c.Request.URL.Path}}
	if rev != "" {
		data["meta"] = gin.H{"rev": rev}
	}
	c.Header("Content-Type", "application/vnd.api+json")
	c.JSON(status, gin.H{"data": data})
}

func (h *Handler) prelogin(c *gin.Context) {
	inst := middleware.GetInstance(c)
	if inst.PassphraseHash == "" {
		c.JSON(http.StatusPreconditionFailed, gin.H{"error": "the instance has not been onboarded"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"Kdf": 0, "KdfIterations": inst.KdfIterations, "OIDC": false, "FranceConnect": false,
		"locale": inst.Locale, "magic_link": false, "name": inst.PublicName})
}

func (h *Handler) capabilities(c *gin.Context) {
	if !h.authenticated(c) {
		return
	}
	resource(c, http.StatusOK, "io.cozy.settings.capabilities", "", config.Capabilities(h.Subdomains))
}

func (h *Handler) sessions(c *gin.Context) {
	if !h.allow(c, permission.GET) {
		return
	}
	list, err := h.Sessions.List(c, middleware.GetInstance(c))
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	data := make([]gin.H, 0, len(list))
	for _, s := range list {
		data = append(data, gin.H{"type": session.Doctype, "id": s.ID, "attributes": gin.H{
			"created_at": s.CreatedAt, "expires_at": s.ExpiresAt, "long_run": s.LongRun}, "meta": gin.H{"rev": s.Rev}})
	}
	c.Header("Content-Type", "application/vnd.api+json")
	c.JSON(http.StatusOK, gin.H{"data": data, "meta": gin.H{"count": len(data)}})
}

func (h *Handler) clients(c *gin.Context) {
	if !h.allow(c, permission.GET) {
		return
	}
	list, err := h.OAuth.List(c, middleware.GetInstance(c))
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	data := make([]gin.H, 0, len(list))
	for _, cl := range list {
		view := *cl
		view.Secret, view.RegistrationToken = "", ""
		data = append(data, gin.H{"type": oauth.ClientsDoctype, "id": cl.ID, "attributes": view, "meta": gin.H{"rev": cl.Rev}})
	}
	c.Header("Content-Type", "application/vnd.api+json")
	c.JSON(http.StatusOK, gin.H{"data": data, "meta": gin.H{"count": len(data)}})
}

func (h *Handler) deleteClient(c *gin.Context) {
	if !h.allow(c, permission.DELETE) {
		return
	}
	err := h.OAuth.Delete(c, middleware.GetInstance(c), c.Param("id"))
	if errors.Is(err, oauth.ErrInvalidClient) {
		httperr.JSONAPI(c, httperr.New(http.StatusNotFound, "no such OAuth client"))
		return
	}
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
