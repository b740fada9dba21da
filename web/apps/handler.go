package apps

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// Handler serves the apps and konnectors API and the apps themselves.
type Handler struct {
	Instances *instance.Manager
	Apps      *apps.Manager
	Auth      *middleware.Auth
	Sessions  *session.Manager
	// Codes hands sessions to the apps' sub-domains (single-use codes).
	Codes      *session.Codes
	Subdomains string // config.SubdomainsFlat or config.SubdomainsNested
	Log        *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// DefaultLimit and MaxLimit bound the pages of GET /apps/.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Register adds the /apps and /konnectors routes.
func (h *Handler) Register(r gin.IRouter) {
	for _, k := range []apps.Kind{apps.Webapp, apps.Konnector} {
		base := "/" + string(k) + "s"
		if k == apps.Webapp {
			base = "/apps"
		}
		kind := k
		with := func(f func(*gin.Context, apps.Kind)) gin.HandlerFunc {
			return func(c *gin.Context) { f(c, kind) }
		}
		r.GET(base+"/", with(h.list))
		r.GET(base+"/:slug", with(h.show))
		r.POST(base+"/:slug", with(h.install))
		r.PUT(base+"/:slug", with(h.update))
		r.DELETE(base+"/:slug", with(h.uninstall))
		r.GET(base+"/:slug/icon", with(h.icon))
		r.GET(base+"/:slug/download", with(h.download))
		r.GET(base+"/:slug/download/:version", with(h.download))
		r.POST(base+"/:slug/logs", with(h.logs))
	}
	r.GET("/apps/:slug/open", h.open)
	r.GET("/apps/:slug/session", h.sessionCode)
	r.GET("/assets/*filepath", h.asset)
	r.HEAD("/assets/*filepath", h.asset)
}

// Status maps the errors of pkg/apps to HTTP statuses.
func Status(err error) int {
	var fe *apps.FieldError
	switch {
	case errors.As(err, &fe):
		return http.StatusUnprocessableEntity
	case errors.Is(err, apps.ErrNotFound), errors.Is(err, apps.ErrSourceNotFound):
		return http.StatusNotFound
	case errors.Is(err, apps.ErrExists), errors.Is(err, apps.ErrBusy):
		return http.StatusConflict
	case errors.Is(err, apps.ErrInvalidSlug), errors.Is(err, apps.ErrBadSource):
		return http.StatusUnprocessableEntity
	case errors.Is(err, apps.ErrManifest), errors.Is(err, apps.ErrUnsafeArchive), errors.Is(err, apps.ErrChecksum):
		return http.StatusBadRequest
	case errors.Is(err, apps.ErrVersionNotFound):
		return http.StatusPreconditionFailed
	}
	return httperr.Status(err)
}

func fail(c *gin.Context, err error) {
	st := Status(err)
	if st >= 500 {
		httperr.JSONAPI(c, err)
		return
	}
	httperr.JSONAPI(c, httperr.Wrap(st, err))
}

// scheme is the scheme the request came with.
func scheme(c *gin.Context) string {
	if c.Request.TLS != nil {
		return "https"
	}
	return "http"
}

// AppHost returns the host of an app's sub-domain.
func AppHost(inst *instance.Instance, mode, slug string) string {
	if mode == config.SubdomainsNested {
		return slug + "." + inst.Domain
	}
	host, port := inst.Domain, ""
	if h, p, err := net.SplitHostPort(inst.Domain); err == nil {
		host, port = h, ":"+p
	}
	first, rest, ok := strings.Cut(host, ".")
	if !ok {
		return first + "-" + slug + port
	}
	return first + "-" + slug + "." + rest + port
}

func (h *Handler) appURL(c *gin.Context, inst *instance.Instance, slug string) string {
	return scheme(c) + "://" + AppHost(inst, h.Subdomains, slug) + "/"
}

// resource renders an app as a JSON:API resource.
func (h *Handler) resource(c *gin.Context, inst *instance.Instance, a *apps.App) gin.H {
	b, _ := json.Marshal(a)
	var attrs map[string]json.RawMessage
	_ = json.Unmarshal(b, &attrs)
	delete(attrs, "_id")
	delete(attrs, "_rev")
	base := "/apps/"
	if a.Kind() == apps.Konnector {
		base = "/konnectors/"
	}
	links := gin.H{"self": base + a.Slug, "icon": base + a.Slug + "/icon"}
	if a.Kind() == apps.Webapp {
		links["related"] = h.appURL(c, inst, a.Slug)
	}
	return gin.H{"id": a.DocID, "type": a.Kind().Doctype(), "meta": gin.H{"rev": a.Rev}, "attributes": attrs, "links": links}
}

func jsonapi(c *gin.Context, status int, body any) {
	c.Header("Content-Type", "application/vnd.api+json")
	b, err := json.Marshal(body)
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	c.Data(status, "application/vnd.api+json", b)
}

func (h *Handler) list(c *gin.Context, k apps.Kind) {
	if !h.Auth.AllowWhole(c, permission.GET, k.Doctype()) {
		return
	}
	limit := DefaultLimit
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "limit must be a positive number"))
			return
		}
		limit = min(n, MaxLimit)
	}
	inst := middleware.GetInstance(c)
	list, next, err := h.Apps.List(c, inst, k, c.Query("start_key"), limit)
	if err != nil {
		fail(c, err)
		return
	}
	data := make([]gin.H, 0, len(list))
	for _, a := range list {
		data = append(data, h.resource(c, inst, a))
	}
	links := gin.H{}
	if next != "" {
		q := url.Values{"limit": {strconv.Itoa(limit)}, "start_key": {next}}
		links["next"] = c.Request.URL.Path + "?" + q.Encode()
	}
	jsonapi(c, http.StatusOK, gin.H{"data": data, "links": links, "meta": gin.H{"count": len(data)}})
}

func (h *Handler) show(c *gin.Context, k apps.Kind) {
	if !h.Auth.AllowWhole(c, permission.GET, k.Doctype()) {
		return
	}
	inst := middleware.GetInstance(c)
	a, err := h.Apps.Get(c, inst, k, c.Param("slug"))
	if err != nil {
		fail(c, err)
		return
	}
	jsonapi(c, http.StatusOK, gin.H{"data": h.resource(c, inst, a)})
}

// boolParam reads a boolean query parameter with a default.
func boolParam(c *gin.Context, name string, def bool) (bool, bool) {
	s, ok := c.GetQuery(name)
	if !ok || s == "" {
		return def, true
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, name+" must be true or false"))
		return false, false
	}
	return b, true
}

func (h *Handler) install(c *gin.Context, k apps.Kind) { h.run(c, k, false) }
func (h *Handler) update(c *gin.Context, k apps.Kind)  { h.run(c, k, true) }

// run starts an install or update: 202 with the document, or with
// Accept: text/event-stream, a stream of its states until it ends.
func (h *Handler) run(c *gin.Context, k apps.Kind, update bool) {
	verb := permission.POST
	if update {
		verb = permission.PUT
	}
	if !h.Auth.AllowWhole(c, verb, k.Doctype()) {
		return
	}
	acked, ok := boolParam(c, "PermissionsAcked", true)
	if !ok {
		return
	}
	inst := middleware.GetInstance(c)
	req := apps.Request{Kind: k, Slug: c.Param("slug"), Source: c.Query("Source"), PermissionsAcked: acked}
	var op *apps.Op
	var err error
	if update {
		op, err = h.Apps.Update(c, inst, req)
	} else {
		op, err = h.Apps.Install(c, inst, req)
	}
	if err != nil {
		fail(c, err)
		return
	}
	if !strings.Contains(c.GetHeader("Accept"), "text/event-stream") {
		jsonapi(c, http.StatusAccepted, gin.H{"data": h.resource(c, inst, op.App)})
		return
	}
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-cache")
	c.Status(http.StatusOK)
	h.event(c, "state", gin.H{"data": h.resource(c, inst, op.App)})
	select {
	case <-op.Done():
	case <-c.Request.Context().Done():
		return // the operation goes on without the client
	}
	a, err := op.Wait()
	if err != nil {
		h.event(c, "error", err.Error())
		return
	}
	h.event(c, "state", gin.H{"data": h.resource(c, inst, a)})
}

func (h *Handler) event(c *gin.Context, name string, v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintf(c.Writer, "event: %s\ndata: %s\n\n", name, b)
	c.Writer.Flush()
}

func (h *Handler) uninstall(c *gin.Context, k apps.Kind) {
	if !h.Auth.AllowWhole(c, permission.DELETE, k.Doctype()) {
		return
	}
	if _, err := h.Apps.Uninstall(c, middleware.GetInstance(c), k, c.Param("slug")); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// logLine is one line sent to POST /apps/:slug/logs.
type logLine struct {
	Time  string `json:"timestamp"`
	Level string `json:"level"`
	Msg   string `json:"msg"`
}

var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn,
	"warning": slog.LevelWarn, "error": slog.LevelError, "critical": slog.LevelError}

func (h *Handler) logs(c *gin.Context, k apps.Kind) {
	if _, err := h.Auth.Permission(c); err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	inst := middleware.GetInstance(c)
	slug := c.Param("slug")
	if _, err := h.Apps.Get(c, inst, k, slug); err != nil {
		fail(c, err)
		return
	}
	var lines []logLine
	if err := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)).Decode(&lines); err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "the body must be a JSON array of log lines"))
		return
	}
	for i, l := range lines {
		if _, ok := logLevels[l.Level]; !ok {
			httperr.JSONAPI(c, httperr.New(http.StatusUnprocessableEntity, fmt.Sprintf("line %d: unknown level %q", i, l.Level)))
			return
		}
	}
	for _, l := range lines {
		h.Log.Log(c, logLevels[l.Level], l.Msg, "domain", inst.Domain, string(k), slug, "job_id", c.Query("job_id"),
			"version", c.Query("version"), "client_time", l.Time)
	}
	c.Status(http.StatusNoContent)
}
