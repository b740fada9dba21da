package apps

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// ErrBadCode is wrapped when a session code is refused.
var ErrBadCode = errors.New("invalid session code")

// safePath keeps a redirect inside the app: a path, not another origin.
func safePath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || len(p) > 2048 {
		return "/"
	}
	return p
}

// sessionCode, on the instance's domain, sends a logged-in user back to an
// app's sub-domain with a session code, and others to the login page.
func (h *Handler) sessionCode(c *gin.Context) {
	inst := middleware.GetInstance(c)
	slug := c.Param("slug")
	if _, err := h.Apps.Get(c, inst, apps.Webapp, slug); err != nil {
		fail(c, err)
		return
	}
	c.Header("Cache-Control", cacheNever)
	s, err := h.Sessions.FromRequest(c, inst, c.Request)
	if errors.Is(err, session.ErrNoSession) {
		c.Redirect(http.StatusSeeOther, "/auth/login?"+url.Values{"redirect": {c.Request.URL.RequestURI()}}.Encode())
		return
	}
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	code := h.Codes.Issue(inst.ID, s.ID, slug)
	q := url.Values{"code": {code}, "redirect": {safePath(c.Query("redirect"))}}
	c.Redirect(http.StatusSeeOther, scheme(c)+"://"+AppHost(inst, h.Subdomains, slug)+sessionPath+"?"+q.Encode())
}

// acceptSessionCode, on an app's sub-domain, sets the session cookie from
// a single-use code and goes on to the page asked for. The code hands over
// the instance's session (from sessionCode) or opens a new one (upstream's
// session_code from POST /auth/session_code).
func (h *Handler) acceptSessionCode(c *gin.Context, inst *instance.Instance, a *apps.App, code, redirect string) {
	c.Header("Cache-Control", cacheNever)
	sid, ok := h.Codes.Consume(inst.ID, a.Slug, code)
	if !ok {
		httperr.JSONAPI(c, httperr.Wrap(http.StatusBadRequest, fmt.Errorf("%w: unknown, used, expired or for another app", ErrBadCode)))
		return
	}
	var s *session.Session
	var err error
	if sid == "" {
		s, err = h.Sessions.Create(c, inst, false)
	} else if s, err = h.Sessions.Get(c, inst, sid); err != nil {
		err = httperr.Wrap(http.StatusBadRequest, fmt.Errorf("%w: the session is over", ErrBadCode))
	}
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	http.SetCookie(c.Writer, session.Cookie(inst, s, c.Request.TLS != nil))
	c.Redirect(http.StatusSeeOther, safePath(redirect))
}
