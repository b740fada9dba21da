package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/pkg/realtime"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/admin"
	appsweb "github.com/cozypi/cozy/web/apps"
	"github.com/cozypi/cozy/web/httperr"
	jobsweb "github.com/cozypi/cozy/web/jobs"
	"github.com/cozypi/cozy/web/middleware"
	realtimeweb "github.com/cozypi/cozy/web/realtime"
	"github.com/cozypi/cozy/web/status"
	"github.com/gin-gonic/gin"
)

func init() {
	// gin's mode is process-wide; the server never wants debug routes output.
	gin.SetMode(gin.ReleaseMode)
}

// Server holds what the handlers need.
type Server struct {
	Config    *config.Config
	Instances *instance.Manager
	Log       *slog.Logger
	Auth      *middleware.Auth
	AdminAuth *admin.Guard
	DataDir   string
	Sessions  *session.Manager // login sessions
	Codes     *session.Codes   // single-use session codes (flagship webviews, apps' sub-domains)
	OAuth     *oauth.Service   // OAuth clients, codes and tokens
	Perms     *permstore.Store // stored io.cozy.permissions documents
	Jobs      *jobs.Manager    // job brokers, one per open instance store
	Apps      *appsweb.Handler // the apps API and the apps' sub-domains
	Realtime  *realtime.Hub    // live events of the /realtime/ websocket
}

// New builds a Server over an opened instance manager.
func New(cfg *config.Config, instances *instance.Manager, log *slog.Logger, adminGuard *admin.Guard) (*Server, error) {
	dir, err := cfg.DataDir()
	if err != nil {
		return nil, err
	}
	if err := middleware.TrustProxies(gin.New(), cfg.TrustedProxies); err != nil {
		return nil, err
	}
	instances.Public().SetScheme(cfg.PublicScheme())
	instances.Public().SetSubdomains(cfg.Subdomains)
	s := &Server{Config: cfg, Instances: instances, Log: log, AdminAuth: adminGuard, DataDir: dir}
	s.Sessions, s.OAuth, s.Perms = session.New(instances), oauth.New(instances), permstore.New(instances)
	s.Codes = session.NewCodes(nil)
	s.Auth = &middleware.Auth{Resolver: &resolver{perms: s.Perms, sessions: s.Sessions, clients: s.OAuth, subdomains: cfg.Subdomains}}
	s.Realtime = realtimeweb.Setup(instances, log) // before anything opens a store
	s.Jobs = jobsweb.Setup(cfg, instances, s.Perms, s.OAuth, log)
	s.Apps = &appsweb.Handler{Instances: instances, Auth: s.Auth, Sessions: s.Sessions, Codes: s.Codes, Subdomains: cfg.Subdomains, Log: log,
		Apps: &apps.Manager{Stores: instances, Perms: s.Perms, Clients: s.OAuth, Log: log, Fetcher: &apps.Fetcher{Registries: cfg.Registries}}}
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
	// /status and /version answer on any host.
	st := &status.Handler{Checks: s.checks()}
	st.Register(r)

	inst := r.Group("/", middleware.Instance(s.Instances, s.Config.Subdomains), s.Apps.Serve)
	s.registerInstanceRoutes(inst)

	r.NoRoute(middleware.Instance(s.Instances, s.Config.Subdomains), s.Apps.Serve, func(c *gin.Context) {
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
	h := &admin.Handler{Instances: s.Instances, Resolver: s.Auth.Resolver, Clients: clientRegistrar{s.OAuth}, Log: s.Log, Jobs: s.Jobs, Apps: s.Apps.Apps}
	h.Register(g)
	r.NoRoute(func(c *gin.Context) {
		httperr.JSONAPI(c, httperr.New(http.StatusNotFound, "no route for "+c.Request.Method+" "+c.Request.URL.Path))
	})
	return r
}

// Close releases what the server holds (open stores).
func (s *Server) Close() error {
	s.Jobs.Close()
	s.Realtime.Close()
	return nil
}
