// Package admin serves the administration API on its own listener
// (localhost:6060 by default): instances, tokens and OAuth clients, as the
// `cozy` command line uses them.
//
// Every route needs HTTP Basic authentication with the admin passphrase:
// the one in COZY_ADMIN_PASSPHRASE, or one whose Argon2id hash `cozy config
// passwd` wrote. Only an explicit --dev allows the API without one.
package admin

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/box"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/update"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// Guard checks the admin passphrase of requests.
type Guard struct {
	Dev        bool   // no passphrase needed when none is configured
	Passphrase string // from COZY_ADMIN_PASSPHRASE
	HashFile   string // written by `cozy config passwd`
	Hasher     *passhash.Hasher
}

// errNoAdminSecret tells the operator what to do.
var errNoAdminSecret = errors.New("no admin passphrase is configured: run `cozy config passwd` or set COZY_ADMIN_PASSPHRASE")

func (g *Guard) check(c *gin.Context) error {
	hash := ""
	if g.HashFile != "" {
		data, err := os.ReadFile(g.HashFile)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("admin passphrase file: %w", err)
		}
		hash = strings.TrimSpace(string(data))
	}
	if g.Passphrase == "" && hash == "" {
		if g.Dev {
			return nil
		}
		return httperr.Wrap(http.StatusUnauthorized, errNoAdminSecret)
	}
	_, given, ok := c.Request.BasicAuth()
	if !ok {
		return httperr.New(http.StatusUnauthorized, "admin passphrase required (HTTP Basic)")
	}
	if g.Passphrase != "" && subtle.ConstantTimeCompare([]byte(given), []byte(g.Passphrase)) == 1 {
		return nil
	}
	if hash != "" {
		if err := g.Hasher.Verify(c.Request.Context(), hash, []byte(given)); err == nil {
			return nil
		} else if !errors.Is(err, passhash.ErrMismatch) {
			return fmt.Errorf("admin passphrase file: %w", err)
		}
	}
	return httperr.New(http.StatusUnauthorized, "bad admin passphrase")
}

// Middleware refuses requests without the admin passphrase.
func (g *Guard) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := g.check(c); err != nil {
			c.Header("WWW-Authenticate", `Basic realm="cozy-admin"`)
			httperr.Render(c, err)
			return
		}
		c.Next()
	}
}

// Handler serves the admin routes.
type Handler struct {
	Instances *instance.Manager
	Resolver  middleware.Resolver
	// Clients registers OAuth clients for `cozy instances client-oauth`;
	// nil until the OAuth layer is present.
	Clients ClientRegistrar
	Log     *slog.Logger
	Jobs    *jobs.Manager // job brokers; nil disables the jobs routes
	Apps    *apps.Manager // apps and konnectors; nil disables their routes
	Box     *box.Box      // the household box; nil when not a box
	// Updates stages signed update bundles for the root updater; nil
	// when not a box.
	Updates *update.Stager
}

// Register adds the routes to r.
func (h *Handler) Register(r gin.IRouter) {
	r.GET("/instances", httperr.Handle(h.list))
	r.GET("/instances/count", httperr.Handle(h.count))
	r.POST("/instances", httperr.Handle(h.create))
	r.POST("/instances/token", httperr.Handle(h.createToken))
	r.POST("/instances/oauth_client", httperr.Handle(h.createClient))
	r.GET("/instances/:domain", httperr.Handle(h.show))
	r.PATCH("/instances/:domain", httperr.Handle(h.modify))
	r.DELETE("/instances/:domain", httperr.Handle(h.destroy))
	h.registerSecrets(r)
	h.registerJobs(r)
	h.registerApps(r)
	h.registerBox(r)
	h.registerUpdate(r)
}
