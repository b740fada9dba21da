package apps

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// sessionPath is where an app's sub-domain receives a session code.
const sessionPath = "/.cozy/session"

// minGzip is the smallest body worth compressing.
const minGzip = 512

// maxIndex bounds a route's index file, read whole to be rendered.
const maxIndex = 4 << 20

// Serve answers the requests made to an app's sub-domain and lets the
// others through; it runs after middleware.Instance.
func (h *Handler) Serve(c *gin.Context) {
	if middleware.AppSlug(c) == "" {
		c.Next()
		return
	}
	defer c.Abort()
	httperr.Handle(h.serveApp)(c)
}

// serveApp answers one request to an app's sub-domain: the session
// hand-off, or a file of the route matching the path.
func (h *Handler) serveApp(c *gin.Context) error {
	slug := middleware.AppSlug(c)
	inst := middleware.GetInstance(c)
	a, err := h.Apps.Get(c.Request.Context(), inst, apps.Webapp, slug)
	if err != nil {
		return err
	}
	c.Header("Content-Security-Policy", CSP(inst.Origin()))
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "strict-origin-when-cross-origin")
	c.Writer.Header().Del("X-Frame-Options") // the CSP's frame-ancestors decides
	if (a.State != apps.Ready && a.State != apps.Upgrading) || a.Dir == "" {
		return httperr.New(http.StatusServiceUnavailable, fmt.Sprintf("application %q is %s", slug, a.State))
	}
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		c.Header("Allow", "GET, HEAD")
		return httperr.New(http.StatusMethodNotAllowed, "an app answers GET and HEAD")
	}
	if c.Request.URL.Path == sessionPath {
		return h.acceptSessionCode(c, inst, a, c.Query("code"), c.Query("redirect"))
	}
	if code := c.Query("session_code"); code != "" {
		// Upstream's flagship opens an app's page with ?session_code=.
		u := *c.Request.URL
		q := u.Query()
		q.Del("session_code")
		u.RawQuery = q.Encode()
		return h.acceptSessionCode(c, inst, a, code, (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).String())
	}
	m, ok := MatchRoute(a.Manifest.AppRoutes(), c.Request.URL.Path)
	if !ok {
		return httperr.NotFound("no route of the app serves " + c.Request.URL.Path)
	}
	var sess *session.Session
	if !m.Route.Public {
		sess, err = h.Sessions.FromRequest(c.Request.Context(), inst, c.Request)
		if errors.Is(err, session.ErrNoSession) {
			h.toLogin(c, inst, slug)
			return nil
		}
		if err != nil {
			return err
		}
	}
	root, err := h.openRoot(inst, a)
	if err != nil {
		return err
	}
	defer root.Close()
	if !m.Index {
		return h.serveFile(c, root, m.File, a.Dir)
	}
	return h.serveIndex(c, root, inst, a, sess, m.File)
}

// serveIndex renders a route's index with the app's values.
func (h *Handler) serveIndex(c *gin.Context, root *os.Root, inst *instance.Instance, a *apps.App, sess *session.Session, name string) error {
	src, err := apps.ReadRoot(root, name, maxIndex)
	if err != nil {
		return notFound(err)
	}
	data, err := h.indexData(inst, a, sess)
	if err != nil {
		return err
	}
	out, err := RenderIndex(src, data)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", CacheControl(name, true))
	return send(c, "text/html; charset=utf-8", out)
}

// send writes a body, gzipped when the client accepts it.
func send(c *gin.Context, ct string, body []byte) error {
	c.Header("Content-Type", ct)
	c.Header("Vary", "Accept-Encoding")
	if len(body) >= minGzip && acceptsGzip(c.Request) {
		c.Header("Content-Encoding", "gzip")
		c.Status(http.StatusOK)
		if c.Request.Method == http.MethodHead {
			return nil
		}
		gz := gzip.NewWriter(c.Writer)
		if _, err := gz.Write(body); err != nil {
			return err
		}
		return gz.Close()
	}
	c.Header("Content-Length", fmt.Sprint(len(body)))
	c.Status(http.StatusOK)
	if c.Request.Method != http.MethodHead {
		_, err := c.Writer.Write(body)
		return err
	}
	return nil
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// etag names one file of one version.
func etag(version, name string, size, mtime int64) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%d|%d", version, name, size, mtime))
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// serveFile sends the file at package path name under root: content
// type, ETag (304 on a match), the caching rule, gzip for text, ranges
// otherwise. The root keeps the read inside the app's folder.
func (h *Handler) serveFile(c *gin.Context, root *os.Root, name, version string) error {
	f, st, err := apps.OpenFile(root, name)
	if err != nil {
		return notFound(err)
	}
	defer f.Close()
	ct := ContentType(name)
	tag := etag(version, name, st.Size(), st.ModTime().UnixNano())
	c.Header("ETag", tag)
	cc := CacheControl(name, false)
	if v, ok := c.Get(keyCacheControl); ok {
		cc = v.(string)
	}
	c.Header("Cache-Control", cc)
	c.Header("Content-Type", ct)
	if Compressible(ct) {
		c.Header("Vary", "Accept-Encoding")
	}
	if inm := c.GetHeader("If-None-Match"); inm != "" && etagMatch(inm, tag) {
		c.Status(http.StatusNotModified)
		return nil
	}
	if Compressible(ct) && st.Size() >= minGzip && acceptsGzip(c.Request) {
		c.Header("Content-Encoding", "gzip")
		c.Status(http.StatusOK)
		if c.Request.Method == http.MethodHead {
			return nil
		}
		gz := gzip.NewWriter(c.Writer)
		if _, err := io.Copy(gz, f); err != nil {
			return fmt.Errorf("apps: send %s: %w", name, err)
		}
		return gz.Close()
	}
	http.ServeContent(c.Writer, c.Request, "", st.ModTime(), f)
	return nil
}

// keyCacheControl is the gin key by which a handler overrides the
// Cache-Control of the file serveFile sends.
const keyCacheControl = "apps.cache-control"

func etagMatch(header, tag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == tag || t == "*" {
			return true
		}
	}
	return false
}

// toLogin sends a visitor without a session through the instance, which
// logs them in if needed and hands a session code back to the app.
func (h *Handler) toLogin(c *gin.Context, inst *instance.Instance, slug string) {
	back := c.Request.URL.Path
	if c.Request.URL.RawQuery != "" {
		back += "?" + c.Request.URL.RawQuery
	}
	c.Header("Cache-Control", cacheNever)
	c.Redirect(http.StatusSeeOther, inst.PageURL("/apps/"+slug+"/session?"+url.Values{"redirect": {back}}.Encode()))
}
