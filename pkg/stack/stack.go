// Package stack builds, in one place, the services one cozy process runs
// over its instances: the household box's state (when enabled), login
// sessions and their single-use codes, OAuth clients, stored permissions,
// the job brokers and their workers, the apps manager, the realtime hub
// and the stores' scheduled compaction. cmd/cozy builds one Stack and
// hands it to web.New; tests build the same one through webtest.
//
// A Stack holds no HTTP. Its limits: it serves the instances of one
// process (no sharing between processes), and it follows the instance
// manager's hooks, so it must be built before anything opens a store.
package stack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/box"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/pkg/realtime"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/services/queryserver"
)

// Stack is the set of services of one process. Its fields are set by New
// and not changed after.
type Stack struct {
	Config    *config.Config
	Instances *instance.Manager
	Log       *slog.Logger
	DataDir   string           // the configuration's data directory
	Sessions  *session.Manager // login sessions
	Codes     *session.Codes   // single-use session codes (flagship webviews, apps' sub-domains)
	OAuth     *oauth.Service   // OAuth clients, codes and tokens
	Perms     *permstore.Store // stored io.cozy.permissions documents
	Jobs      *jobs.Manager    // job brokers, one per open instance store
	Apps      *apps.Manager    // installs, updates and reads of apps and konnectors
	Realtime  *realtime.Hub    // live events of the instances' stores
	// Box is the household box's state and first-boot setup; nil unless
	// the configuration enables the box.
	Box *box.Box
	// QueryServer runs the JavaScript of design documents (views and
	// changes filters) in a few child processes, started on first use.
	QueryServer *queryserver.Pool

	compactor *compactor // the stores' scheduled compaction
}

// Option changes how New builds a Stack.
type Option func(*options)

type options struct {
	certs box.Certificates
}

// WithCertificates gives the box its certificates manager (the domain and
// LAN ways to HTTPS); without it, the box offers plain HTTP only.
func WithCertificates(c box.Certificates) Option {
	return func(o *options) { o.certs = c }
}

// New checks cfg and builds the services over instances. A configuration
// error is returned here rather than answered as 500s later. The
// instances' public settings (scheme, app sub-domains) are set from cfg.
func New(cfg *config.Config, instances *instance.Manager, log *slog.Logger, opts ...Option) (*Stack, error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	if instances == nil {
		return nil, ErrNoInstances
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir, err := cfg.DataDir()
	if err != nil {
		return nil, err
	}
	instances.Public().SetScheme(cfg.PublicScheme())
	instances.Public().SetSubdomains(cfg.Subdomains)
	s := &Stack{Config: cfg, Instances: instances, Log: log, DataDir: dir,
		Sessions: session.New(instances), Codes: session.NewCodes(nil),
		OAuth: oauth.New(instances), Perms: permstore.New(instances),
		QueryServer: &queryserver.Pool{Logger: log.With("component", "queryserver")}}
	s.Apps = &apps.Manager{Stores: instances, Perms: s.Perms, Clients: s.OAuth, Log: log,
		Fetcher: &apps.Fetcher{Registries: cfg.Registries}, DefaultApps: cfg.DefaultApps}
	s.Realtime = newRealtime(instances, log) // its hooks first: it sees every store open
	// Before any other hook writes: every write runs validate_doc_update.
	instances.OnStoreOpen(func(_ *instance.Instance, st store.Store) {
		if v, ok := st.(store.ValidatingStore); ok {
			v.SetQueryServer(s.QueryServer)
		}
	})
	scratch := filepath.Join(dir, "scratch")
	if err := os.MkdirAll(scratch, 0o700); err != nil {
		return nil, fmt.Errorf("services' scratch directory: %w", err)
	}
	s.Jobs = newJobs(cfg, instances, s.Perms, s.OAuth, s.Apps, scratch, log)
	initDatabases(instances, log)
	s.compactor = startCompactor(cfg.Compaction, instances, log)
	if cfg.Box.Enabled {
		// Last: it sets the instances' scheme from the box's HTTPS state.
		s.Box, err = box.Open(context.Background(), dir, cfg.Box, instances, o.certs, log)
		if err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// Resume opens the store of every existing instance, so that their
// triggers and queued jobs run again after a restart. A store that cannot
// open is logged: the other instances still resume.
func (s *Stack) Resume(ctx context.Context) {
	for _, inst := range s.Instances.List() {
		if ctx.Err() != nil {
			return
		}
		if _, err := s.Instances.Store(inst); err != nil {
			s.Log.ErrorContext(ctx, "resume: opening an instance store", "domain", inst.Domain, "error", err)
		}
	}
}

// Close stops the background work of the services and waits for it: the
// stores' compaction, app installs (they start jobs and write stores),
// then the job brokers, then the realtime feeds. The instances (and their
// stores) are closed by their owner afterwards.
func (s *Stack) Close() error {
	if s.compactor != nil {
		s.compactor.Close()
	}
	s.Apps.Close()
	s.Jobs.Close()
	s.Realtime.Close()
	_ = s.QueryServer.Close()
	if s.Box != nil {
		return s.Box.Close()
	}
	return nil
}

// ErrNoInstances is returned by New without an instance manager.
var ErrNoInstances = errors.New("stack: no instance manager")
