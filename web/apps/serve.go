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

// Serve answers the requests made to an app's sub-domain and lets the
// others through; it runs after middleware.Instance.
func (h *Handler) Serve(c *gin.Context) {
	slug := middleware.AppSlug(c)
	if slug == "" {
		c.Next()
		return
	}
	defer c.Abort()
	inst := middleware.GetInstance(c)
	a, err := h.Apps.Get(c, inst, apps.Webapp, slug)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Content-Security-Policy", CSP(scheme(c)+"://"+inst.Domain))
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "strict-origin-when-cross-origin")
	c.Writer.Header().Del("X-Frame-Options") // the CSP's frame-ancestors decides
	if (a.State != apps.Ready && a.State != apps.Upgrading) || a.Dir == "" {
		httperr.JSONAPI(c, httperr.New(http.StatusServiceUnavailable, fmt.Sprintf("application %q is %s", slug, a.State)))
		return
	}
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		c.Header("Allow", "GET, HEAD")
		httperr.JSONAPI(c, httperr.New(http.StatusMethodNotAllowed, "an app answers GET and HEAD"))
		return
	}
	if c.Request.URL.Path == sessionPath {
		h.acceptSessionCode(c, inst, a, c.Query("code"), c.Query("redirect"))
		return
	}
	if code := c.Query("session_code"); code != "" {
		// Upstream's flagship opens an app's page with ?session_code=.
		u := *c.Request.URL
		q := u.Query()
		q.Del("session_code")
		u.RawQuery = q.Encode()
		h.acceptSessionCode(c, inst, a, code, (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).String())
		return
	}
	m, ok := MatchRoute(a.Manifest.AppRoutes(), c.Request.URL.Path)
	if !ok {
		httperr.JSONAPI(c, httperr.New(http.StatusNotFound, "no route of the app serves "+c.Request.URL.Path))
		return
	}
	var sess *session.Session
	if !m.Route.Public {
		sess, err = h.Sessions.FromRequest(c, inst, c.Request)
		if errors.Is(err, session.ErrNoSession) {
			h.toLogin(c, inst, slug)
			return
		}
		if err != nil {
			httperr.JSONAPI(c, err)
			return
		}
	}
	file, ok := inRoot(h.Apps.Root(inst, a), m.File)
	if !ok {
		httperr.JSONAPI(c, httperr.New(http.StatusNotFound, "not found"))
		return
	}
	if !m.Index {
		h.serveFile(c, file, m.File, a.Dir)
		return
	}
	src, err := os.ReadFile(file)
	if err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusNotFound, "the route's index is missing"))
		return
	}
	data, err := h.indexData(c, inst, a, sess)
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	out, err := RenderIndex(src, data)
	if err != nil {
		httperr.JSONAPI(c, httperr.Wrap(http.StatusInternalServerError, err))
		return
	}
	c.Header("Cache-Control", CacheControl(m.File, true))
	h.send(c, "text/html; charset=utf-8", out)
}

// send writes a body, gzipped when the client accepts it.
func (h *Handler) send(c *gin.Context, ct string, body []byte) {
	c.Header("Content-Type", ct)
	c.Header("Vary", "Accept-Encoding")
	if len(body) >= minGzip && acceptsGzip(c.Request) {
		c.Header("Content-Encoding", "gzip")
		c.Status(http.StatusOK)
		if c.Request.Method == http.MethodHead {
			return
		}
		gz := gzip.NewWriter(c.Writer)
		gz.Write(body)
		gz.Close()
		return
	}
	c.Header("Content-Length", fmt.Sprint(len(body)))
	c.Status(http.StatusOK)
	if c.Request.Method != http.MethodHead {
		c.Writer.Write(body)
	}
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

// serveFile sends a static file of an app: content type, ETag (304 on a
// match), the caching rule, gzip for text, ranges otherwise.
func (h *Handler) serveFile(c *gin.Context, file, name, version string) {
	f, err := os.Open(file)
	if err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusNotFound, "not found"))
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		httperr.JSONAPI(c, httperr.New(http.StatusNotFound, "not found"))
		return
	}
	ct := ContentType(name)
	tag := etag(version, name, st.Size(), st.ModTime().UnixNano())
	c.Header("ETag", tag)
	c.Header("Cache-Control", CacheControl(name, false))
	c.Header("Content-Type", ct)
	if Compressible(ct) {
		c.Header("Vary", "Accept-Encoding")
	}
	if inm := c.GetHeader("If-None-Match"); inm != "" && etagMatch(inm, tag) {
		c.Status(http.StatusNotModified)
		return
	}
	if Compressible(ct) && st.Size() >= minGzip && acceptsGzip(c.Request) {
		c.Header("Content-Encoding", "gzip")
		c.Status(http.StatusOK)
		if c.Request.Method == http.MethodHead {
			return
		}
		gz := gzip.NewWriter(c.Writer)
		if _, err := io.Copy(gz, f); err != nil {
			h.Log.WarnContext(c, "apps: send file", "file", name, "error", err)
		}
		gz.Close()
		return
	}
	http.ServeContent(c.Writer, c.Request, "", st.ModTime(), f)
}

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
	u := scheme(c) + "://" + inst.Domain + "/apps/" + slug + "/session?" + url.Values{"redirect": {back}}.Encode()
	c.Header("Cache-Control", cacheNever)
	c.Redirect(http.StatusSeeOther, u)
}
