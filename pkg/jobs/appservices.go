package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cozypi/cozy/pkg/store"
)

// AppsDoctype is the doctype of installed web apps, whose manifest's
// services become triggers of the "service" worker.
const AppsDoctype = "io.cozy.apps"

// ServiceWorkerName is the worker that runs app services.
const ServiceWorkerName = "service"

// appDoc is what the broker reads of an io.cozy.apps document: the slug,
// whether its files are installed, and the manifest's services.
type appDoc struct {
	ID       string                `json:"_id"`
	Slug     string                `json:"slug"`
	State    string                `json:"state"`
	Dir      string                `json:"version_dir"`
	Services map[string]appService `json:"services"`
}

// appService is one service of a manifest, as apps.md describes it.
type appService struct {
	Type     string `json:"type"`
	File     string `json:"file"`
	Trigger  string `json:"trigger"`
	Debounce string `json:"debounce"`
}

// slugOf returns the slug of an app document, from its body or its id.
func (d *appDoc) slugOf() string {
	if d.Slug != "" {
		return d.Slug
	}
	return strings.TrimPrefix(d.ID, AppsDoctype+"/")
}

// wanted returns the triggers the app's services call for, by service
// name: none while the app has no installed files or failed to install.
func (d *appDoc) wanted(slug, domain string) map[string]Trigger {
	out := map[string]Trigger{}
	if d.Dir == "" || d.State == "errored" {
		return out
	}
	for name, s := range d.Services {
		typ, args, _ := strings.Cut(strings.TrimSpace(s.Trigger), " ")
		if typ == "" {
			continue // a service without trigger is only queued explicitly
		}
		msg, err := json.Marshal(ServiceMessage{Slug: slug, Name: name, Type: s.Type, File: s.File})
		if err != nil {
			continue
		}
		out[name] = Trigger{Domain: domain, Type: typ, Arguments: strings.TrimSpace(args), Debounce: s.Debounce,
			Worker: ServiceWorkerName, Message: msg}
	}
	return out
}

// isAppServiceTrigger reports whether t was created for a service of the
// manifest of slug, and returns the service name.
func isAppServiceTrigger(t *Trigger, slug string) (string, bool) {
	if t.Worker != ServiceWorkerName || t.Metadata.CreatedByApp != slug || !t.Metadata.FromManifest {
		return "", false
	}
	var m ServiceMessage
	if json.Unmarshal(t.Message, &m) != nil || m.Name == "" || m.Slug != slug {
		return "", false
	}
	return m.Name, true
}

func sameServiceTrigger(a, b *Trigger) bool {
	return a.Type == b.Type && a.Arguments == b.Arguments && a.Debounce == b.Debounce &&
		string(a.Message) == string(b.Message)
}

// syncAppServices makes the manifest triggers of one app match its
// document (nil: the app was removed): triggers of changed or removed
// services are deleted, those of new or changed ones created, the others
// kept with their schedule.
func (b *Broker) syncAppServices(ctx context.Context, slug string, doc *appDoc) error {
	if _, ok := b.cfg.Workers[ServiceWorkerName]; !ok || slug == "" {
		return nil
	}
	want := map[string]Trigger{}
	if doc != nil {
		want = doc.wanted(slug, b.inst.Domain)
	}
	have, err := b.Triggers(ctx, func(t *Trigger) bool { _, ok := isAppServiceTrigger(t, slug); return ok })
	if err != nil {
		return err
	}
	var errs []error
	kept := map[string]bool{}
	for _, t := range have {
		name, _ := isAppServiceTrigger(t, slug)
		if w, ok := want[name]; ok && !kept[name] && sameServiceTrigger(t, &w) {
			kept[name] = true
			continue
		}
		if err := b.DeleteTrigger(ctx, t.ID); err != nil {
			errs = append(errs, fmt.Errorf("service %s/%s: %w", slug, name, err))
		}
	}
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if kept[name] {
			continue
		}
		t := want[name]
		if err := b.addTrigger(ctx, &t, Metadata{CreatedByApp: slug, FromManifest: true}); err != nil {
			errs = append(errs, fmt.Errorf("service %s/%s: trigger %q: %w", slug, name, doc.Services[name].Trigger, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("jobs: services of app %s: %w", slug, errors.Join(errs...))
	}
	return nil
}

// reconcileApps syncs the services of every installed app (at start, and
// after a dropped event subscription) and removes the manifest triggers
// of apps that are gone.
func (b *Broker) reconcileApps(ctx context.Context) {
	if _, ok := b.cfg.Workers[ServiceWorkerName]; !ok {
		return
	}
	seen := map[string]bool{}
	err := all(ctx, b.st, AppsDoctype, func(raw json.RawMessage) error {
		var d appDoc
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil // not an app document we understand: leave it
		}
		slug := d.slugOf()
		seen[slug] = true
		if err := b.syncAppServices(ctx, slug, &d); err != nil {
			b.cfg.Log.Warn("jobs: app services not synced", "slug", slug, "error", err)
		}
		return nil
	})
	if err != nil {
		b.cfg.Log.Warn("jobs: listing apps", "error", err)
		return
	}
	stale, err := b.Triggers(ctx, func(t *Trigger) bool {
		return t.Metadata.FromManifest && t.Worker == ServiceWorkerName && !seen[t.Metadata.CreatedByApp]
	})
	if err != nil {
		b.cfg.Log.Warn("jobs: listing triggers", "error", err)
		return
	}
	for _, t := range stale {
		if err := b.DeleteTrigger(ctx, t.ID); err != nil {
			b.cfg.Log.Warn("jobs: deleting the trigger of a removed app", "trigger", t.ID, "error", err)
		}
	}
}

// onAppEvent syncs the services of the app an io.cozy.apps write changed.
func (b *Broker) onAppEvent(ev store.Event) {
	if ev.Doctype != AppsDoctype || strings.HasPrefix(ev.Doc.ID, "_design/") {
		return
	}
	var d appDoc
	if ev.Verb != store.Deleted {
		if err := json.Unmarshal(ev.Doc.Body, &d); err != nil {
			return
		}
	}
	if d.ID == "" {
		d.ID = ev.Doc.ID
	}
	doc := &d
	if ev.Verb == store.Deleted {
		doc = nil
	}
	if err := b.syncAppServices(b.ctx, d.slugOf(), doc); err != nil {
		b.cfg.Log.Warn("jobs: app services not synced", "slug", d.slugOf(), "error", err)
	}
}
