package registry

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// Handler serves /registry.
type Handler struct {
	Apps     *apps.Manager // its Fetcher knows the registries
	Auth     *middleware.Auth
	Sessions *session.Manager
	Log      *slog.Logger
}

// Register adds the routes.
func (h *Handler) Register(r gin.IRouter) {
	r.GET("/registry", httperr.Handle(h.list))
	r.GET("/registry/maintenance", httperr.Handle(h.maintenance))
	r.GET("/registry/:app", httperr.Handle(h.app))
	r.GET("/registry/:app/icon", httperr.Handle(h.image))
	r.GET("/registry/:app/partnership_icon", httperr.Handle(h.image))
	r.GET("/registry/:app/screenshots/*filename", httperr.Handle(h.image))
	r.GET("/registry/:app/:version", httperr.Handle(h.version))
	r.GET("/registry/:app/:version/latest", httperr.Handle(h.latest))
}

// listParams are the query parameters of a list passed to the registry.
var listParams = map[string]bool{"cursor": true, "limit": true, "sort": true, "versionsChannel": true,
	"latestChannelVersion": true}

// requireToken accepts a token of the instance: an app's, an OAuth
// client's, a konnector's or the CLI's, whatever its permissions (the
// registries' contents are public), but not a share's.
func (h *Handler) requireToken(c *gin.Context) error {
	p, err := h.Auth.Permission(c)
	if err != nil {
		return err
	}
	switch p.Type {
	case permission.TypeApp, permission.TypeOAuth, permission.TypeKonnector, permission.TypeCLI:
		return nil
	}
	return httperr.Forbidden("the registry is not readable with this token")
}

func (h *Handler) list(c *gin.Context) error {
	if err := h.requireToken(c); err != nil {
		return err
	}
	q := url.Values{}
	for k, v := range c.Request.URL.Query() {
		if listParams[k] || (strings.HasPrefix(k, "filter[") && strings.HasSuffix(k, "]")) {
			q[k] = v
		}
	}
	return h.proxy(c, "/registry", q, true)
}

func (h *Handler) maintenance(c *gin.Context) error {
	if err := h.requireToken(c); err != nil {
		return err
	}
	return h.proxy(c, "/registry/maintenance", nil, true)
}

func (h *Handler) app(c *gin.Context) error {
	if err := h.requireToken(c); err != nil {
		return err
	}
	slug, err := slugOf(c)
	if err != nil {
		return err
	}
	return h.proxy(c, "/registry/"+slug, nil, true)
}

func (h *Handler) version(c *gin.Context) error {
	if err := h.requireToken(c); err != nil {
		return err
	}
	slug, err := slugOf(c)
	if err != nil {
		return err
	}
	v := c.Param("version")
	if !validVersion(v) {
		return httperr.BadRequest("invalid version")
	}
	return h.proxy(c, "/registry/"+slug+"/"+url.PathEscape(v), nil, true)
}

func (h *Handler) latest(c *gin.Context) error {
	if err := h.requireToken(c); err != nil {
		return err
	}
	slug, err := slugOf(c)
	if err != nil {
		return err
	}
	switch ch := c.Param("version"); ch {
	case "stable", "beta", "dev":
		return h.proxy(c, "/registry/"+slug+"/"+ch+"/latest", nil, true)
	}
	return httperr.BadRequest("the channel is stable, beta or dev")
}

// image serves the icons and screenshots: the owner's session cookie is
// enough, as for the installed apps' icons.
func (h *Handler) image(c *gin.Context) error {
	inst := middleware.GetInstance(c)
	if _, err := h.Sessions.FromRequest(c.Request.Context(), inst, c.Request); err != nil {
		if err := h.requireToken(c); err != nil {
			return err
		}
	}
	slug, err := slugOf(c)
	if err != nil {
		return err
	}
	p := "/registry/" + slug + "/" + path.Base(c.FullPath())
	if name := strings.TrimPrefix(c.Param("filename"), "/"); name != "" {
		if !validFile(name) {
			return httperr.BadRequest("invalid screenshot name")
		}
		p = "/registry/" + slug + "/screenshots/" + escapePath(name)
	}
	return h.proxy(c, p, nil, false)
}

// proxy answers with the registries' answer to path; a JSON route
// answers JSON (whatever type the registry named) or bytes.
func (h *Handler) proxy(c *gin.Context, p string, q url.Values, jsonRoute bool) error {
	a, err := h.Apps.Fetcher.QueryRegistries(c.Request.Context(), p, q)
	if errors.Is(err, apps.ErrRegistryUnreachable) {
		return &httperr.Error{Status: http.StatusBadGateway, Detail: "no registry could be reached", Err: err}
	}
	if err != nil {
		return err
	}
	ct := safeType(a.ContentType)
	if jsonRoute {
		ct = "application/octet-stream"
		if json.Valid(a.Body) {
			ct = "application/json"
		}
	}
	hdr := c.Writer.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	// An SVG of a registry is not the instance's: no script runs from it
	// on the instance's origin.
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
	if a.Status == http.StatusOK {
		hdr.Set("Cache-Control", "private, max-age=300")
	} else {
		hdr.Set("Cache-Control", "no-store")
	}
	c.Data(a.Status, ct, a.Body)
	return nil
}

// safeType keeps the content types a registry may answer with; anything
// else is sent as bytes.
func safeType(ct string) string {
	base := strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	switch {
	case base == "application/json", base == "application/vnd.api+json":
		return ct
	case strings.HasPrefix(base, "image/"):
		return base
	}
	return "application/octet-stream"
}

func slugOf(c *gin.Context) (string, error) {
	s := c.Param("app")
	if !apps.ValidSlug(s) {
		return "", httperr.BadRequest("invalid application slug")
	}
	return s, nil
}

func validVersion(v string) bool {
	if v == "" || len(v) > 64 {
		return false
	}
	for _, r := range v {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune(".+_-", r)) {
			return false
		}
	}
	return true
}

// validFile accepts a screenshot path without climbing segments.
func validFile(name string) bool {
	if len(name) > 256 || strings.ContainsAny(name, "\\?#\x00") {
		return false
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

func escapePath(name string) string {
	segs := strings.Split(name, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
