package jobs

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	pjobs "github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/services"
)

// Setup builds the job manager of the server: the "log", "service",
// "konnector", "client" and "sendmail"
// workers, one broker started per instance store as it opens, stopped when
// the instance is deleted. It then opens the store of every existing
// instance so that their triggers and queued jobs resume.
func Setup(cfg *config.Config, instances *instance.Manager, perms *permstore.Store, clients pjobs.PendingClients, log *slog.Logger) *pjobs.Manager {
	installed := &apps.Manager{Stores: instances, Perms: perms, Log: log} // read-only use: Script and KonnectorEntry
	sw := &pjobs.ServiceWorker{
		Runner: &services.Runner{Logger: log},
		Script: installed.Script,
		Credentials: func(ctx context.Context, inst *instance.Instance, slug string) (string, error) {
			p, err := perms.ForApp(ctx, inst, slug)
			if err != nil {
				return "", fmt.Errorf("permissions of app %q: %w", slug, err)
			}
			return inst.IssueClaims(token.Claims{Audience: token.CLI, Subject: slug, Scope: p.Rules.String()})
		},
		// Services reach the stack at the instance's one public URL, as
		// upstream's COZY_URL: the sandbox attaches the service's token to
		// that origin only, and the links a service writes must be the
		// public ones. No internal URL is needed: the box serves its own
		// public name (a router without NAT loopback needs a hosts entry).
		URL: func(inst *instance.Instance) string { return inst.URL() },
	}
	kw := &pjobs.KonnectorWorker{
		Runner: sw.Runner,
		Package: func(ctx context.Context, inst *instance.Instance, slug string) (*pjobs.KonnectorPackage, error) {
			e, err := installed.KonnectorEntry(ctx, inst, slug)
			if err != nil {
				return nil, err
			}
			return &pjobs.KonnectorPackage{Script: e.Script, Language: e.Language, Parameters: e.Parameters}, nil
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
