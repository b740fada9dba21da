package apps

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// CodeLifetime is how long a session code is good for.
const CodeLifetime = time.Minute

// SessionCode signs a code that hands session sid to the sub-domain of
// app slug until exp.
func SessionCode(inst *instance.Instance, sid, slug string, exp time.Time) string {
	payload := sid + "|" + slug + "|" + strconv.FormatInt(exp.Unix(), 10)
	mac := hmac.New(sha256.New, inst.SessionSecret)
	mac.Write([]byte("app-session-code|" + payload))
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// ErrBadCode is wrapped when a session code is refused.
var ErrBadCode = errors.New("invalid session code")

// CheckSessionCode returns the session id of a code for slug.
func CheckSessionCode(inst *instance.Instance, code, slug string, now time.Time) (string, error) {
	p64, m64, ok := strings.Cut(code, ".")
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	got, err2 := base64.RawURLEncoding.DecodeString(m64)
	if !ok || err1 != nil || err2 != nil || len(code) > 512 {
		return "", fmt.Errorf("%w: malformed", ErrBadCode)
	}
	mac := hmac.New(sha256.New, inst.SessionSecret)
	mac.Write([]byte("app-session-code|" + string(payload)))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return "", fmt.Errorf("%w: bad signature", ErrBadCode)
	}
	parts := strings.Split(string(payload), "|")
	if len(parts) != 3 || parts[1] != slug {
		return "", fmt.Errorf("%w: not for this app", ErrBadCode)
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || now.Unix() > exp {
		return "", fmt.Errorf("%w: expired", ErrBadCode)
	}
	return parts[0], nil
}

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
	code := SessionCode(inst, s.ID, slug, h.now().Add(CodeLifetime))
	q := url.Values{"code": {code}, "redirect": {safePath(c.Query("redirect"))}}
	c.Redirect(http.StatusSeeOther, scheme(c)+"://"+AppHost(inst, h.Subdomains, slug)+sessionPath+"?"+q.Encode())
}

// acceptSessionCode, on an app's sub-domain, sets the session cookie from
// a code and goes on to the page asked for.
func (h *Handler) acceptSessionCode(c *gin.Context, inst *instance.Instance, a *apps.App) {
	c.Header("Cache-Control", cacheNever)
	sid, err := CheckSessionCode(inst, c.Query("code"), a.Slug, h.now())
	if err != nil {
		httperr.JSONAPI(c, httperr.Wrap(http.StatusBadRequest, err))
		return
	}
	s, err := h.Sessions.Get(c, inst, sid)
	if err != nil {
		httperr.JSONAPI(c, httperr.Wrap(http.StatusBadRequest, fmt.Errorf("%w: the session is over", ErrBadCode)))
		return
	}
	http.SetCookie(c.Writer, session.Cookie(inst, s, c.Request.TLS != nil))
	c.Redirect(http.StatusSeeOther, safePath(c.Query("redirect")))
}
