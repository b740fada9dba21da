package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	pjobs "github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/services"
)

// maxScript bounds a service file read from disk.
const maxScript = 16 << 20

// Setup builds the job manager of the server: the "log", "service",
// "konnector", "client" and "sendmail"
// workers, one broker started per instance store as it opens, stopped when
// the instance is deleted. It then opens the store of every existing
// instance so that their triggers and queued jobs resume.
func Setup(cfg *config.Config, instances *instance.Manager, perms *permstore.Store, clients pjobs.PendingClients, log *slog.Logger) *pjobs.Manager {
	installed := &apps.Manager{Stores: instances, Perms: perms, Log: log} // read-only use: Get and Root
	sw := &pjobs.ServiceWorker{
		Runner: &services.Runner{Logger: log},
		Script: func(ctx context.Context, inst *instance.Instance, slug, file string) ([]byte, error) {
			return appScript(ctx, installed, inst, slug, file)
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
	kw := &pjobs.KonnectorWorker{
		Runner: sw.Runner,
		Package: func(ctx context.Context, inst *instance.Instance, slug string) (*pjobs.KonnectorPackage, error) {
			return konnectorPackage(ctx, installed, inst, slug)
		},
		Credentials: func(ctx context.Context, inst *instance.Instance, slug string) (string, error) {
			if _, err := perms.ForKonnector(ctx, inst, slug); err != nil {
				return "", fmt.Errorf("permissions of konnector %q: %w", slug, err)
			}
			return inst.Issue(token.Konnector, slug, "")
		},
		URL: sw.URL,
	}
	m := pjobs.NewManager(pjobs.Config{
		Workers: map[string]pjobs.Worker{"log": pjobs.LogWorker(log), "service": sw.Worker(), "konnector": kw.Worker(),
			"client": pjobs.ClientWorker(), "sendmail": pjobs.SendmailWorker(cfg.Mail),
			pjobs.CleanClientsWorkerName: pjobs.CleanClientsWorker(clients)},
		Log: log,
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

// appScript reads a service file of an installed web app, from the
// version its document points at. An app that pkg/apps does not know is
// looked up under <instance dir>/apps/<slug>/ (scripts put there by hand,
// for development).
func appScript(ctx context.Context, installed *apps.Manager, inst *instance.Instance, slug, file string) ([]byte, error) {
	a, err := installed.Get(ctx, inst, apps.Webapp, slug)
	if errors.Is(err, apps.ErrNotFound) {
		return readScript(filepath.Join(installed.Stores.Dir(inst), "apps"), slug, file)
	}
	if err != nil {
		return nil, err
	}
	if a.Dir == "" {
		return nil, fmt.Errorf("app %q is %s, its files are not installed", slug, a.State)
	}
	return readFile(installed.Root(inst, a), slug, file)
}

// konnectorPackage reads the entry point of an installed konnector: the
// "main" of its package.json, else index.js, and the "parameters" of its
// manifest.
func konnectorPackage(ctx context.Context, installed *apps.Manager, inst *instance.Instance, slug string) (*pjobs.KonnectorPackage, error) {
	a, err := installed.Get(ctx, inst, apps.Konnector, slug)
	if err != nil {
		return nil, err
	}
	if a.Dir == "" {
		return nil, fmt.Errorf("konnector %q is %s, its files are not installed", slug, a.State)
	}
	root := installed.Root(inst, a)
	main := "index.js"
	if raw, err := readFile(root, slug, "package.json"); err == nil {
		var pkg struct {
			Main string `json:"main"`
		}
		if json.Unmarshal(raw, &pkg) == nil && pkg.Main != "" {
			main = pkg.Main
		}
	}
	script, err := readFile(root, slug, main)
	if err != nil {
		return nil, err
	}
	return &pjobs.KonnectorPackage{Script: script, Language: a.Manifest.Language, Parameters: a.Manifest.Extra["parameters"]}, nil
}

// readScript reads apps/<slug>/<file>, refusing paths that leave the app.
func readScript(appsDir, slug, file string) ([]byte, error) {
	if slug == "" || strings.ContainsAny(slug, `/\`) || slug == "." || slug == ".." {
		return nil, fmt.Errorf("invalid app slug %q", slug)
	}
	return readFile(filepath.Join(appsDir, slug), slug, file)
}

// readFile reads file inside root, refusing paths that leave it and
// anything but a regular file up to maxScript bytes (pkg/apps refuses
// links when it unpacks an app).
func readFile(root, slug, file string) ([]byte, error) {
	clean := filepath.Clean("/" + file)
	if file == "" || clean == "/" {
		return nil, fmt.Errorf("invalid service file %q", file)
	}
	f, err := os.Open(filepath.Join(root, clean))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("file %q of %q not found", file, slug)
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
		return nil, fmt.Errorf("file %q of %q is not a regular file under %d bytes", file, slug, maxScript)
	}
	buf := make([]byte, st.Size())
	if _, err := f.ReadAt(buf, 0); err != nil && st.Size() > 0 {
		return nil, err
	}
	return buf, nil
}
