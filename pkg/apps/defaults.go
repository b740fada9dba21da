package apps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
)

// Waits between two attempts at the default apps of an instance that
// could not be installed: a box is often set up before its network is.
const (
	DefaultRetryMin = time.Minute
	DefaultRetryMax = time.Hour
)

// InstallDefaults installs the web apps slugs (the configured DefaultApps
// and the ones asked at the instance's creation) from the registries'
// stable channels, with their permissions accepted: the instance's owner
// did not choose them one by one, the box's configuration did. Apps
// already installed are left alone. Each app is tried once here and
// waited for; the ones that failed for a reason that may pass (no
// registry reachable, a registry answering an error) are returned in
// pending and retried in the background, with a growing wait, until they
// are installed or the manager is closed. err joins the failures that
// will not pass by themselves (an invalid slug, a package refused).
//
// Limits: the pending list lives in memory: a restart before the
// registries are reachable ends the retries (`cozy apps install` installs
// by hand).
func (m *Manager) InstallDefaults(ctx context.Context, inst *instance.Instance, slugs []string) (pending []string, err error) {
	var errs []error
	seen := map[string]bool{}
	for _, slug := range slugs {
		if seen[slug] {
			continue
		}
		seen[slug] = true
		switch e := m.installDefault(ctx, inst, slug); {
		case e == nil:
		case retryable(e):
			pending = append(pending, slug)
			m.log().WarnContext(ctx, "default app not installed, retried later", "domain", inst.Domain, "slug", slug, "error", e)
		default:
			errs = append(errs, fmt.Errorf("%s: %w", slug, e))
		}
	}
	if len(pending) > 0 {
		m.retryDefaults(inst, slices.Clone(pending))
	}
	return pending, errors.Join(errs...)
}

// installDefault installs one default app and waits for it; an app
// already installed is not an error.
func (m *Manager) installDefault(ctx context.Context, inst *instance.Instance, slug string) error {
	if !ValidSlug(slug) {
		return fmt.Errorf("%w: %q", ErrInvalidSlug, slug)
	}
	op, err := m.Install(ctx, inst, Request{Kind: Webapp, Slug: slug, PermissionsAcked: true})
	if errors.Is(err, ErrExists) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = op.Wait()
	return err
}

// retryable tells whether a failed install may succeed later by itself.
func retryable(err error) bool {
	return errors.Is(err, ErrSourceNotFound) || errors.Is(err, ErrBusy)
}

// retryDefaults tries the pending apps again in the background, waiting
// RetryMin, then twice as long each round up to RetryMax. The manager owns
// the goroutine: Close stops it and waits for it.
func (m *Manager) retryDefaults(inst *instance.Instance, pending []string) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	bg := m.background()
	m.wg.Add(1)
	m.mu.Unlock()
	wait, max := m.RetryMin, m.RetryMax
	if wait <= 0 {
		wait = DefaultRetryMin
	}
	if max <= 0 {
		max = DefaultRetryMax
	}
	go func() {
		defer m.wg.Done()
		t := time.NewTimer(wait)
		defer t.Stop()
		for len(pending) > 0 {
			select {
			case <-bg.Done():
				return
			case <-t.C:
			}
			var still []string
			for _, slug := range pending {
				err := m.installDefault(bg, inst, slug)
				switch {
				case err == nil:
					m.log().Info("default app installed", "domain", inst.Domain, "slug", slug)
				case retryable(err) && bg.Err() == nil:
					still = append(still, slug)
				case bg.Err() == nil:
					m.log().Error("default app not installed", "domain", inst.Domain, "slug", slug, "error", err)
				}
			}
			pending = still
			wait = min(2*wait, max)
			t.Reset(wait)
		}
	}()
}
