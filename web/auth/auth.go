package auth

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/auth/pages"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// Throttling defaults: failures allowed per window.
const (
	PerAddressLimit  = 10
	PerInstanceLimit = 50
	ThrottleWindow   = 5 * time.Minute
)

// Handler serves the routes.
type Handler struct {
	Instances  *instance.Manager
	Sessions   *session.Manager
	OAuth      *oauth.Service
	Auth       *middleware.Auth
	Subdomains string // config.SubdomainsFlat or Nested
	Log        *slog.Logger
	// Throttle counts wrong passphrases, keyed by instance and by
	// instance+address.
	Throttle *session.Throttle
	// AddrThrottle is the per-address counter.
	AddrThrottle *session.Throttle
	// Codes are the live session codes (POST /auth/session_code).
	Codes *session.Codes
}

// New returns a Handler with the default throttling.
func New(instances *instance.Manager, sessions *session.Manager, clients *oauth.Service, auth *middleware.Auth, subdomains string, log *slog.Logger) *Handler {
	return &Handler{Instances: instances, Sessions: sessions, OAuth: clients, Auth: auth, Subdomains: subdomains, Log: log,
		Throttle:     session.NewThrottle(PerInstanceLimit, ThrottleWindow),
		AddrThrottle: session.NewThrottle(PerAddressLimit, ThrottleWindow),
		Codes:        session.NewCodes(nil)}
}

// Register adds the routes.
func (h *Handler) Register(r gin.IRouter) {
	pages.Register(r)
	r.GET("/", h.root)
	r.GET("/auth/login", h.loginForm)
	r.POST("/auth/login", h.login)
	r.DELETE("/auth/login", h.logout)
	r.DELETE("/auth/login/others", h.logoutOthers)
	r.POST("/auth/logout", h.logoutForm)
	r.POST("/auth/register", h.register)
	r.GET("/auth/register/:client_id", h.readClient)
	r.PUT("/auth/register/:client_id", h.updateClient)
	r.DELETE("/auth/register/:client_id", h.deleteClient)
	r.GET("/auth/authorize", h.authorizeForm)
	r.POST("/auth/authorize", h.authorize)
	r.POST("/auth/access_token", h.accessToken)
	r.POST("/auth/session_code", h.createSessionCode)
}

// secure tells whether the request came over TLS (cookies get Secure).
func secure(c *gin.Context) bool { return c.Request.TLS != nil }

func scheme(c *gin.Context) string {
	if secure(c) {
		return "https"
	}
	return "http"
}

// clientAddr is the connection's address, not a forwarded one.
func clientAddr(c *gin.Context) string {
	host, _, err := net.SplitHostPort(c.Request.RemoteAddr)
	if err != nil {
		return c.Request.RemoteAddr
	}
	return host
}

// csrf sets a fresh CSRF cookie (scoped to the path) and returns the form token.
func csrf(c *gin.Context, inst *instance.Instance) string {
	v := session.NewCSRF()
	http.SetCookie(c.Writer, &http.Cookie{Name: session.CSRFCookieName, Value: v, Path: "/", HttpOnly: true,
		Secure: secure(c), SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	return session.CSRFToken(inst, v)
}

// checkCSRF verifies the form's token against the cookie.
func checkCSRF(c *gin.Context, inst *instance.Instance) bool {
	ck, err := c.Request.Cookie(session.CSRFCookieName)
	if err != nil {
		return false
	}
	return session.CheckCSRF(inst, ck.Value, c.PostForm("csrf_token"))
}

// wantsJSON tells whether the client asked for a JSON answer.
func wantsJSON(c *gin.Context) bool {
	return strings.Contains(c.GetHeader("Accept"), "application/json") || isJSONBody(c)
}

func isJSONBody(c *gin.Context) bool {
	return strings.HasPrefix(c.GetHeader("Content-Type"), "application/json")
}

// safeRedirect validates a redirect target: a URL of the instance or of one
// of its apps, with its fragment cleared. "" gives def.
func (h *Handler) safeRedirect(c *gin.Context, inst *instance.Instance, raw, def string) (string, bool) {
	if raw == "" {
		return def, true
	}
	if len(raw) > 2048 {
		return "", false
	}
	if strings.HasPrefix(raw, "/") && !strings.HasPrefix(raw, "//") && !strings.HasPrefix(raw, "/\\") {
		u, err := url.Parse(raw)
		if err != nil {
			return "", false
		}
		u.Fragment = ""
		return u.String(), true
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
		return "", false
	}
	t, ok := middleware.ResolveHost(h.Instances, h.Subdomains, u.Host)
	if !ok || t.Instance.ID != inst.ID {
		return "", false
	}
	u.Fragment = ""
	s := u.String()
	if strings.Contains(raw, "#") {
		s += "#"
	}
	return s, true
}
