package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/remote"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// DoctypesDoctype is the doctype whose GET permission lists the remote
// doctypes.
const DoctypesDoctype = "io.cozy.doctypes"

// Options configures a Handler.
type Options struct {
	// Instances opens each instance's document store (required).
	Instances *instance.Manager
	// Auth checks the request's token (required).
	Auth *middleware.Auth
	// DoctypesDir overrides the embedded definitions (serve --doctypes).
	DoctypesDir string
	// AllowCustomPort lifts the default-port rule
	// (serve --remote-allow-custom-port).
	AllowCustomPort bool
	// Client sends the remote requests; nil builds the production client
	// from AllowCustomPort. Tests pass one with a loopback test hook.
	Client *remote.Client
	// Assets maps asset names to URLs (configuration remote_assets).
	Assets map[string]string
	// Version goes into the default User-Agent.
	Version string
	// Log receives diagnostics (default slog.Default()).
	Log *slog.Logger
}

// Handler serves /remote. It is safe for concurrent use.
type Handler struct {
	opts     Options
	registry *remote.Registry
	client   *remote.Client
	assets   *remote.Proxy // assets need no instance: one shared proxy
}

// New checks opts, loads the definitions and returns a Handler.
func New(opts Options) (*Handler, error) {
	if opts.Instances == nil || opts.Auth == nil {
		return nil, errors.New("web/remote: Options.Instances and Options.Auth are required")
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	reg, err := remote.NewRegistry(opts.DoctypesDir)
	if err != nil {
		return nil, fmt.Errorf("web/remote: %w", err)
	}
	client := opts.Client
	if client == nil {
		client = remote.NewClient(remote.ClientConfig{AllowCustomPort: opts.AllowCustomPort})
	}
	h := &Handler{opts: opts, registry: reg, client: client}
	h.assets, err = h.proxy(nil)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// Register adds the routes to r.
func (h *Handler) Register(r gin.IRouter) {
	g := r.Group("/remote")
	g.GET("/_all_doctypes", httperr.Handle(h.allDoctypes))
	g.GET("/assets/:name", httperr.Handle(h.asset))
	g.GET("/:doctype", httperr.Handle(h.call))
	g.POST("/:doctype", httperr.Handle(h.call))
}

// proxy returns a Proxy writing its records to the instance's store and
// reading its secrets there; without an instance, records are refused.
func (h *Handler) proxy(st store.Store) (*remote.Proxy, error) {
	cfg := remote.Config{
		Registry: h.registry,
		Client:   h.client,
		Assets:   h.opts.Assets,
		Version:  h.opts.Version,
		Slog:     h.opts.Log,
		Logger: remote.LoggerFunc(func(context.Context, remote.RequestLog) error {
			return errors.New("web/remote: no instance to record the request")
		}),
	}
	if st != nil {
		cfg.Secrets = remote.StoreSecrets{Store: st}
		cfg.Logger = remote.StoreLogger{Store: st}
	}
	p, err := remote.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("web/remote: %w", err)
	}
	return p, nil
}

// allDoctypes serves GET /remote/_all_doctypes.
func (h *Handler) allDoctypes(c *gin.Context) error {
	if err := h.opts.Auth.RequireWhole(c, permission.GET, DoctypesDoctype); err != nil {
		return err
	}
	list, err := h.registry.Doctypes()
	if err != nil {
		return remote.Public(err)
	}
	if list == nil {
		list = []string{}
	}
	c.JSON(http.StatusOK, list)
	return nil
}

// call serves GET and POST /remote/:doctype: the remote request its
// definition describes, with the query (GET) or JSON body (POST) as
// variables.
func (h *Handler) call(c *gin.Context) error {
	doctype, verb := c.Param("doctype"), permission.GET
	if c.Request.Method == http.MethodPost {
		verb = permission.POST
	}
	if err := h.opts.Auth.RequireWhole(c, verb, doctype); err != nil {
		return err
	}
	params, err := callParams(c)
	if err != nil {
		return err
	}
	inst := middleware.GetInstance(c)
	st, err := h.opts.Instances.Store(inst)
	if err != nil {
		return fmt.Errorf("web/remote: open store of %s: %w", inst.Domain, err)
	}
	p, err := h.proxy(st)
	if err != nil {
		return err
	}
	resp, err := p.Do(c.Request.Context(), remote.Call{Doctype: doctype, Method: c.Request.Method, Params: params, AppSlug: appSlug(c)})
	if err != nil {
		return remote.Public(err)
	}
	return h.stream(c, resp)
}

// callParams reads a call's variables: the JSON body of a POST (at most
// remote.MaxParamsSize bytes), the query of a GET.
func callParams(c *gin.Context) (map[string]string, error) {
	if c.Request.Method == http.MethodPost {
		b, err := request.Body(c, remote.MaxParamsSize)
		if err != nil {
			return nil, err
		}
		if err := request.CheckText(b); err != nil {
			return nil, err
		}
		params, err := remote.ParamsFromJSON(bytes.NewReader(b))
		return params, remote.Public(err)
	}
	q := c.Request.URL.Query()
	q.Del("bearer_token") // a credential, not a variable: never logged
	return remote.ParamsFromQuery(q), nil
}

// asset serves GET /remote/assets/:name, for any valid token.
func (h *Handler) asset(c *gin.Context) error {
	if _, err := h.opts.Auth.Permission(c); err != nil {
		return err
	}
	resp, err := h.assets.Asset(c.Request.Context(), c.Param("name"))
	if err != nil {
		return remote.Public(err)
	}
	return h.stream(c, resp)
}

// stream copies resp to the client with headers that keep a browser from
// running it. A failure mid-body cuts the connection.
func (h *Handler) stream(c *gin.Context, resp *remote.Response) error {
	defer resp.Body.Close()
	hd := c.Writer.Header()
	if resp.ContentType != "" {
		hd.Set("Content-Type", resp.ContentType)
	}
	if resp.ContentLength >= 0 {
		hd.Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
	}
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "sandbox")
	c.Status(resp.Status)
	c.Writer.WriteHeaderNow()
	if _, err := io.Copy(c.Writer, resp.Body); err != nil {
		h.opts.Log.WarnContext(c.Request.Context(), "remote response cut", "path", c.Request.URL.Path, "error", err)
		abortConnection(c)
		return fmt.Errorf("web/remote: copy the answer: %w", err) // logged: the answer had started
	}
	return nil
}

// abortConnection closes the client connection so that a partly sent body
// is seen as failed, not as complete. gin refuses to hijack once the body
// has started, so the connection is taken from the server's own writer.
func abortConnection(c *gin.Context) {
	c.Abort()
	var w http.ResponseWriter = c.Writer
	if u, ok := w.(interface{ Unwrap() http.ResponseWriter }); ok {
		w = u.Unwrap()
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return // HTTP/2: the stream ends with the handler
	}
	conn.Close()
}

// appSlug names the calling app or konnector for the request record.
func appSlug(c *gin.Context) string {
	cl := middleware.Claims(c)
	if cl == nil {
		return ""
	}
	switch cl.Audience {
	case token.App, token.Konnector:
		return cl.Subject
	}
	return ""
}
