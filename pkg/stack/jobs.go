package stack

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/services"
)

// newJobs builds the job manager: the "log", "service", "konnector",
// "client", "sendmail" and client-cleaning workers, one broker started per
// instance store as it opens, stopped when the instance is deleted.
// Services and konnectors read their code through installed, the one apps
// manager (through os.Root, inside the app's folder).
func newJobs(cfg *config.Config, instances *instance.Manager, perms *permstore.Store, clients jobs.PendingClients, installed *apps.Manager, scratch string, log *slog.Logger) *jobs.Manager {
	sw := &jobs.ServiceWorker{
		Runner: &services.Runner{Logger: log, ScratchDir: scratch}, // on the data partition, not a memory-backed /tmp
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
	kw := &jobs.KonnectorWorker{
		Runner: sw.Runner,
		Package: func(ctx context.Context, inst *instance.Instance, slug string) (*jobs.KonnectorPackage, error) {
			e, err := installed.KonnectorEntry(ctx, inst, slug)
			if err != nil {
				return nil, err
			}
			return &jobs.KonnectorPackage{Script: e.Script, Language: e.Language, Parameters: e.Parameters}, nil
		},
		Credentials: func(ctx context.Context, inst *instance.Instance, slug string) (string, error) {
			if _, err := perms.ForKonnector(ctx, inst, slug); err != nil {
				return "", fmt.Errorf("permissions of konnector %q: %w", slug, err)
			}
			return inst.Issue(token.Konnector, slug, "")
		},
		URL: sw.URL,
	}
	m := jobs.NewManager(jobs.Config{
		Workers: map[string]jobs.Worker{"log": jobs.LogWorker(log), "service": sw.Worker(), "konnector": kw.Worker(),
			"client": jobs.ClientWorker(), "sendmail": jobs.SendmailWorker(cfg.Mail),
			jobs.CleanClientsWorkerName: jobs.CleanClientsWorker(clients)},
		Log: log,
	}, instances)
	instances.OnStoreOpen(m.Attach)
	instances.OnDelete(m.Detach)
	return m
}
