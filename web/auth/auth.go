package auth

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/auth/pages"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// Handler serves the routes.
type Handler struct {
	Instances  *instance.Manager
	Sessions   *session.Manager
	OAuth      *oauth.Service
	Auth       *middleware.Auth
	Subdomains string // config.SubdomainsFlat or Nested
	Log        *slog.Logger
	// Limiter decides which passphrase attempts reach the hasher.
	Limiter *session.Limiter
	// Codes are the live session codes (POST /auth/session_code).
	Codes *session.Codes
	// Landing decides where a logged-in user lands (after the login
	// form, and on GET /); nil keeps them on the logged-in page.
	Landing Landing
}

// Landing is where a logged-in user lands: the home app, or a page of
// the server's own when there is none.
type Landing interface {
	// HomeURL is the absolute URL of the home app's route; ok is false
	// when no home app is installed.
	HomeURL(ctx context.Context, inst *instance.Instance) (u string, ok bool, err error)
	// Launcher writes the page shown instead (the installed apps), with
	// a logout form carrying the CSRF token csrf.
	Launcher(c *gin.Context, csrf string) error
}

// landing returns the address a logged-in user is sent to by default:
// the home app's, or the instance's root (which shows the launcher).
func (h *Handler) landing(c *gin.Context, inst *instance.Instance) (string, error) {
	if h.Landing == nil {
		return inst.PageURL("/auth/login"), nil
	}
	u, ok, err := h.Landing.HomeURL(c.Request.Context(), inst)
	if err != nil {
		return "", err
	}
	if !ok {
		return inst.PageURL("/"), nil
	}
	return u, nil
}

// New returns a Handler with the default limits on passphrase attempts.
func New(instances *instance.Manager, sessions *session.Manager, clients *oauth.Service, auth *middleware.Auth, subdomains string, log *slog.Logger) *Handler {
	return &Handler{Instances: instances, Sessions: sessions, OAuth: clients, Auth: auth, Subdomains: subdomains, Log: log,
		Limiter: session.NewLimiter(), Codes: session.NewCodes(nil)}
}

// Register adds the routes.
func (h *Handler) Register(r gin.IRouter) {
	pages.Register(r)
	r.GET("/", httperr.Handle(h.root))
	r.GET("/auth/login", httperr.Handle(h.loginForm))
	r.POST("/auth/login", httperr.Handle(h.login))
	r.DELETE("/auth/login", httperr.Handle(h.logout))
	r.DELETE("/auth/login/others", httperr.Handle(h.logoutOthers))
	r.POST("/auth/logout", httperr.Handle(h.logoutForm))
	r.POST("/auth/register", handleOAuth(h.register))
	r.GET("/auth/register/:client_id", handleOAuth(h.readClient))
	r.PUT("/auth/register/:client_id", handleOAuth(h.updateClient))
	r.DELETE("/auth/register/:client_id", handleOAuth(h.deleteClient))
	r.GET("/auth/authorize", httperr.Handle(h.authorizeForm))
	r.POST("/auth/authorize", httperr.Handle(h.authorize))
	r.POST("/auth/access_token", handleOAuth(h.accessToken))
	r.POST("/auth/session_code", httperr.Handle(h.createSessionCode))
}

// csrf sets a fresh CSRF cookie and returns the form token.
func csrf(c *gin.Context, inst *instance.Instance) string {
	v := session.NewCSRF()
	http.SetCookie(c.Writer, &http.Cookie{Name: session.CSRFCookieName, Value: v, Path: "/", HttpOnly: true,
		Secure: inst.Secure(), SameSite: http.SameSiteStrictMode, MaxAge: 3600})
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

// safeRedirect validates a redirect target and makes it absolute: a path
// of the instance, or a URL of the instance or of one of its apps with
// the instance's scheme, its fragment cleared. "" gives def (a path).
func (h *Handler) safeRedirect(inst *instance.Instance, raw, def string) (string, error) {
	if raw == "" {
		raw = def
	}
	bad := httperr.BadRequest("the redirect parameter is not an address of this cozy")
	if len(raw) > 2048 {
		return "", bad
	}
	if strings.HasPrefix(raw, "/") && !strings.HasPrefix(raw, "//") && !strings.HasPrefix(raw, "/\\") {
		u, err := url.Parse(raw)
		if err != nil {
			return "", bad
		}
		return inst.PageURL((&url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery}).RequestURI()), nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != inst.Scheme() || u.User != nil || u.Opaque != "" {
		return "", bad
	}
	t, ok := middleware.ResolveHost(h.Instances, h.Subdomains, u.Host)
	if !ok || t.Instance.ID != inst.ID {
		return "", bad
	}
	u.Fragment = ""
	s := u.String()
	if strings.Contains(raw, "#") {
		s += "#" // an empty fragment keeps the browser from reusing the current one
	}
	return s, nil
}

// CheckOrigin refuses (403) a state-changing request authenticated by the
// owner's cookie that a browser sent from another origin than the
// instance's (inst.Origin(), scheme included). Browsers send Origin on
// every such request; one without it is accepted only when it carries a
// token (a program, not a browser riding on the cookie).
func CheckOrigin(c *gin.Context, inst *instance.Instance) error {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	origin := c.GetHeader("Origin")
	if origin == inst.Origin() {
		return nil
	}
	if origin == "" && middleware.TokenFromRequest(c.Request) != "" {
		return nil
	}
	return httperr.Forbidden("this request must come from " + inst.Origin())
}

// RegistrationURL is the link where the owner chooses the first
// passphrase (the instance's registration token must still be set).
func RegistrationURL(inst *instance.Instance) string {
	return inst.PageURL("/?registerToken=" + hexToken(inst.RegisterToken))
}
