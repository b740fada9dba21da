package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	pjobs "github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/services"
)

// maxScript bounds a service file read from disk.
const maxScript = 16 << 20

// Setup builds the job manager of the server: the "log" and "service"
// workers, one broker started per instance store as it opens, stopped when
// the instance is deleted. It then opens the store of every existing
// instance so that their triggers and queued jobs resume.
func Setup(cfg *config.Config, instances *instance.Manager, perms *permstore.Store, log *slog.Logger) *pjobs.Manager {
	sw := &pjobs.ServiceWorker{
		Runner: &services.Runner{Logger: log},
		Script: func(_ context.Context, inst *instance.Instance, slug, file string) ([]byte, error) {
			return readScript(filepath.Join(instances.Dir(inst), "apps"), slug, file)
		},
		Credentials: func(ctx context.Context, inst *instance.Instance, slug string) (string, error) {
			p, err := perms.ForApp(ctx, inst, slug)
			if err != nil {
				return "", fmt.Errorf("permissions of app %q: %w", slug, err)
			}
			return inst.IssueClaims(token.Claims{Audience: token.CLI, Subject: slug, Scope: p.Rules.String()})
		},
		URL: func(inst *instance.Instance) string { return InstanceURL(cfg.Dev, inst.Domain) },
	}
	m := pjobs.NewManager(pjobs.Config{
		Workers: map[string]pjobs.Worker{"log": pjobs.LogWorker(log), "service": sw.Worker(), "client": pjobs.ClientWorker(), "sendmail": pjobs.SendmailWorker(cfg.Mail)},
		Log:     log,
	}, instances)
	instances.OnStoreOpen(m.Attach)
	instances.OnDelete(m.Detach)
	for _, inst := range instances.List() {
		if _, err := instances.Store(inst); err != nil {
			log.Error("jobs: opening an instance store", "domain", inst.Domain, "error", err)
		}
	}
	return m
}

// InstanceURL is the URL a service uses to reach its instance: http for
// development, localhost, loopback addresses and hosts with a port, else
// https.
func InstanceURL(dev bool, domain string) string {
	host, port, err := net.SplitHostPort(domain)
	if err != nil {
		host = domain
	}
	ip := net.ParseIP(host)
	if dev || port != "" || host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return "http://" + domain
	}
	return "https://" + domain
}

// readScript reads apps/<slug>/<file>, refusing paths that leave the app.
func readScript(appsDir, slug, file string) ([]byte, error) {
	if slug == "" || strings.ContainsAny(slug, `/\`) || slug == "." || slug == ".." {
		return nil, fmt.Errorf("invalid app slug %q", slug)
	}
	clean := filepath.Clean("/" + file)
	if file == "" || clean == "/" {
		return nil, fmt.Errorf("invalid service file %q", file)
	}
	f, err := os.Open(filepath.Join(appsDir, slug, clean))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("service file %q of app %q not found", file, slug)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() || st.Size() > maxScript {
		return nil, fmt.Errorf("service file %q of app %q is not a regular file under %d bytes", file, slug, maxScript)
	}
	buf := make([]byte, st.Size())
	if _, err := f.ReadAt(buf, 0); err != nil && st.Size() > 0 {
		return nil, err
	}
	return buf, nil
}
