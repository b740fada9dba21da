// Package webtest builds the real server for tests: an instance manager
// over a temporary data directory, with cheap passphrase hashing, and the
// web.Server over it, both closed when the test ends. It is imported only
// by _test files.
package webtest

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/stack"
	"github.com/cozypi/cozy/web"
	"github.com/cozypi/cozy/web/admin"
)

// FastHashing are Argon2id parameters cheap enough for tests.
var FastHashing = passhash.Params{MemoryKiB: 64, Time: 1, Threads: 1}

// Log discards what it is given.
var Log = slog.New(slog.NewTextHandler(io.Discard, nil))

// Instances opens an instance manager over dir (a new temporary directory
// when empty), closed when the test ends.
func Instances(tb testing.TB, dir string) *instance.Manager {
	tb.Helper()
	if dir == "" {
		dir = tb.TempDir()
	}
	mgr, err := instance.Open(dir, passhash.New(FastHashing, 2), Log)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { mgr.Close() })
	return mgr
}

// Server builds the real server with cfg (nil for the defaults of tests:
// a temporary data directory, flat sub-domains) and the admin API open as
// in --dev. Its stack closes before its instances when the test ends.
func Server(tb testing.TB, cfg *config.Config) (*web.Server, *instance.Manager) {
	tb.Helper()
	if cfg == nil {
		cfg = &config.Config{}
	}
	if cfg.FsURL == "" {
		cfg.FsURL = tb.TempDir()
	}
	if cfg.Scheme == "" && !cfg.Dev {
		cfg.Scheme = "http" // tests talk plain http on loopback
	}
	if cfg.Subdomains == "" {
		cfg.Subdomains = config.SubdomainsFlat
	}
	mgr := Instances(tb, cfg.FsURL)
	return NewServer(tb, cfg, mgr, Log), mgr
}

// NewServer builds the stack over mgr as cozy serve does (resuming the
// stores of the instances mgr has) and the server over it; the stack
// closes when the test ends, before mgr when mgr was opened first.
func NewServer(tb testing.TB, cfg *config.Config, mgr *instance.Manager, log *slog.Logger) *web.Server {
	tb.Helper()
	st, err := stack.New(cfg, mgr, log)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	st.Resume(context.Background())
	s, err := web.New(st, &admin.Guard{Dev: true})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
