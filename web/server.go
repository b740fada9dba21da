package web

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"

	"github.com/cozypi/cozy/pkg/build"
	"github.com/cozypi/cozy/pkg/stack"
	"github.com/cozypi/cozy/pkg/update"
	"github.com/cozypi/cozy/web/admin"
	appsweb "github.com/cozypi/cozy/web/apps"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	remoteweb "github.com/cozypi/cozy/web/remote"
	setupweb "github.com/cozypi/cozy/web/setup"
	"github.com/cozypi/cozy/web/status"
	"github.com/gin-gonic/gin"
)

func init() {
	// gin's mode is process-wide; the server never wants debug routes output.
	gin.SetMode(gin.ReleaseMode)
}

// Server serves a Stack over HTTP: the public router (instances, apps'
// sub-domains) and the admin router. It owns no background work: the
// Stack's owner closes it.
type Server struct {
	*stack.Stack
	Auth      *middleware.Auth
	AdminAuth *admin.Guard

	apps   *appsweb.Handler   // the apps API and the apps' sub-domains
	remote *remoteweb.Handler // /remote doctypes and assets
	setup  *setupweb.Handler  // the box's first boot and HTTPS pages; nil unless the box is enabled
	// updates stages the box's update bundles for the root updater; nil
	// unless the box is enabled.
	updates *update.Stager
}

// New builds the Server of st. A configuration error (untrusted proxies
// that do not parse, a bad remote doctypes directory or asset URL) is
// returned here, not served as 500s later.
func New(st *stack.Stack, adminGuard *admin.Guard) (*Server, error) {
	cfg := st.Config
	if err := middleware.TrustProxies(gin.New(), cfg.TrustedProxies); err != nil {
		return nil, err
	}
	s := &Server{Stack: st, AdminAuth: adminGuard}
	s.Auth = &middleware.Auth{Resolver: &resolver{perms: s.Perms, sessions: s.Sessions, clients: s.OAuth}}
	s.apps = &appsweb.Handler{Instances: s.Instances, Apps: s.Apps, Auth: s.Auth, Sessions: s.Sessions, Codes: s.Codes, Subdomains: cfg.Subdomains, Log: s.Log}
	if st.Box != nil {
		s.setup = &setupweb.Handler{Box: st.Box, Instances: s.Instances, Log: s.Log}
		s.updates = &update.Stager{System: update.System{Root: "/"}}
	}
	var err error
	s.remote, err = remoteweb.New(remoteweb.Options{Instances: s.Instances, Auth: s.Auth, DoctypesDir: cfg.Doctypes,
		AllowCustomPort: cfg.RemoteAllowCustomPort, Assets: cfg.RemoteAssets, Version: build.Version, Log: s.Log})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// checks are the probes of GET /status.
func (s *Server) checks() map[string]status.Check {
	return map[string]status.Check{
		"db": func(context.Context) error {
			_, err := os.Stat(filepath.Join(s.DataDir, "instances.db"))
			return err
		},
		"fs": func(context.Context) error {
			f, err := os.CreateTemp(s.DataDir, ".status-*")
			if err != nil {
				return errors.New("data directory not writable")
			}
			name := f.Name()
			f.Close()
			return os.Remove(name)
		},
	}
}

// Handler is the public router.
func (s *Server) Handler() http.Handler {
	r := gin.New()
	r.ContextWithFallback = true
	r.HandleMethodNotAllowed = true
	r.Use(middleware.AccessLog(s.Log))
	if err := middleware.TrustProxies(r, s.Config.TrustedProxies); err != nil {
		panic(err) // checked by New
	}
	r.Use(middleware.Secure(s.Instances.Public()), middleware.CORS(s.isAppHost))
	if s.setup != nil {
		r.Use(s.setup.Gate()) // before any instance lookup: the box's own names are no instance during setup
	}
	// /status and /version answer on any host.
	st := &status.Handler{Checks: s.checks()}
	st.Register(r)
	s.registerBoxRoutes(r)

	inst := r.Group("/", middleware.Instance(s.Instances, s.Config.Subdomains), s.apps.Serve)
	s.registerInstanceRoutes(inst)

	r.NoRoute(middleware.Instance(s.Instances, s.Config.Subdomains), s.apps.Serve, func(c *gin.Context) {
		httperr.Render(c, httperr.New(http.StatusNotFound, "no route for "+c.Request.Method+" "+c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		httperr.Render(c, httperr.New(http.StatusMethodNotAllowed, "method "+c.Request.Method+" not allowed on "+c.Request.URL.Path))
	})
	return r
}

// isAppHost tells whether a request is made to an app's sub-domain (no
// CORS there: an app's token must not leak to other origins).
func (s *Server) isAppHost(r *http.Request) bool {
	t, ok := middleware.ResolveHost(s.Instances, s.Config.Subdomains, r.Host)
	return ok && t.AppSlug != ""
}

// AdminHandler is the admin router.
func (s *Server) AdminHandler() http.Handler {
	r := gin.New()
	r.ContextWithFallback = true
	r.Use(middleware.AccessLog(s.Log))
	st := &status.Handler{Checks: s.checks()}
	st.Register(r)
	g := r.Group("/", s.AdminAuth.Middleware())
	h := &admin.Handler{Instances: s.Instances, Resolver: s.Auth.Resolver, Clients: clientRegistrar{s.OAuth}, Log: s.Log, Jobs: s.Jobs, Apps: s.Apps, Box: s.Box, Updates: s.updates}
	h.Register(g)
	r.NoRoute(func(c *gin.Context) {
		httperr.JSONAPI(c, httperr.New(http.StatusNotFound, "no route for "+c.Request.Method+" "+c.Request.URL.Path))
	})
	return r
}
