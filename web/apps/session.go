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
func (h *Handler) sessionCode(c *gin.Context) error {
	ctx := c.Request.Context()
	inst := middleware.GetInstance(c)
	slug := c.Param("slug")
	if _, err := h.Apps.Get(ctx, inst, apps.Webapp, slug); err != nil {
		return err
	}
	c.Header("Cache-Control", cacheNever)
	s, err := h.Sessions.FromRequest(ctx, inst, c.Request)
	if errors.Is(err, session.ErrNoSession) {
		c.Redirect(http.StatusSeeOther, "/auth/login?"+url.Values{"redirect": {c.Request.URL.RequestURI()}}.Encode())
		return nil
	}
	if err != nil {
		return err
	}
	code := h.Codes.Issue(inst.ID, s.ID, slug)
	q := url.Values{"code": {code}, "redirect": {safePath(c.Query("redirect"))}}
	c.Redirect(http.StatusSeeOther, inst.AppOrigin(slug)+sessionPath+"?"+q.Encode())
	return nil
}

// acceptSessionCode, on an app's sub-domain, sets the session cookie from
// a single-use code and goes on to the page asked for. The code hands over
// the instance's session (from sessionCode) or opens a new one (upstream's
// session_code from POST /auth/session_code).
func (h *Handler) acceptSessionCode(c *gin.Context, inst *instance.Instance, a *apps.App, code, redirect string) error {
	c.Header("Cache-Control", cacheNever)
	sid, ok := h.Codes.Consume(inst.ID, a.Slug, code)
	if !ok {
		return httperr.Wrap(http.StatusBadRequest, fmt.Errorf("%w: unknown, used, expired or for another app", ErrBadCode))
	}
	ctx := c.Request.Context()
	var s *session.Session
	var err error
	if sid == "" {
		s, err = h.Sessions.Create(ctx, inst, false)
	} else if s, err = h.Sessions.Get(ctx, inst, sid); err != nil {
		err = httperr.Wrap(http.StatusBadRequest, fmt.Errorf("%w: the session is over", ErrBadCode))
	}
	if err != nil {
		return err
	}
	http.SetCookie(c.Writer, session.Cookie(inst, s, inst.Secure()))
	c.Redirect(http.StatusSeeOther, safePath(redirect))
	return nil
}
