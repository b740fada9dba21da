package apps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/store"
)

// Where the instance's settings keep the default redirection, as upstream:
// the member default_redirection of the document io.cozy.settings.instance
// in the io.cozy.settings doctype, "<slug>/<route>" (a path and fragment
// of the app, "drive/#/folder").
const (
	SettingsDoctype    = "io.cozy.settings"
	InstanceSettingsID = "io.cozy.settings.instance"
	// DefaultRedirection is where a user lands when the settings name
	// nothing, or an app that is not installed: the home app.
	DefaultRedirection = "home/"
)

// HomeURL returns the absolute URL where a logged-in user lands: the app
// and route of the instance's default_redirection setting, else the home
// app. ok is false when neither is installed and ready (the caller shows
// something else: never a dead end).
func (m *Manager) HomeURL(ctx context.Context, inst *instance.Instance) (u string, ok bool, err error) {
	redirs := []string{DefaultRedirection}
	if r, err := m.settingRedirection(ctx, inst); err != nil {
		return "", false, err
	} else if r != "" && r != DefaultRedirection {
		redirs = append([]string{r}, redirs...)
	}
	for _, r := range redirs {
		slug, route, _ := strings.Cut(r, "/")
		if !ValidSlug(slug) {
			continue
		}
		a, err := m.Get(ctx, inst, Webapp, slug)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return "", false, err
		}
		if (a.State != Ready && a.State != Upgrading) || a.Dir == "" {
			continue
		}
		if u, ok := appRoute(inst, slug, route); ok {
			return u, true, nil
		}
	}
	return "", false, nil
}

// appRoute resolves route (a path and fragment) against the app's URL; it
// must stay on the app's origin.
func appRoute(inst *instance.Instance, slug, route string) (string, bool) {
	base, err := url.Parse(inst.AppURL(slug))
	if err != nil {
		return "", false
	}
	ref, err := url.Parse(route)
	if err != nil || ref.Scheme != "" || ref.Host != "" || strings.HasPrefix(route, "/") {
		return "", false
	}
	u := base.ResolveReference(ref)
	if u.Host != base.Host || u.Scheme != base.Scheme {
		return "", false
	}
	return u.String(), true
}

// settingRedirection reads default_redirection from the settings
// document; "" when there is none.
func (m *Manager) settingRedirection(ctx context.Context, inst *instance.Instance) (string, error) {
	st, err := m.Stores.Store(inst)
	if err != nil {
		return "", fmt.Errorf("apps: settings: %w", err)
	}
	doc, err := st.DB(SettingsDoctype).Get(ctx, InstanceSettingsID, store.GetOptions{})
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("apps: settings: %w", err)
	}
	var s struct {
		DefaultRedirection string `json:"default_redirection"`
	}
	if json.Unmarshal(doc.Body, &s) != nil {
		return "", nil // a malformed setting is no setting
	}
	return s.DefaultRedirection, nil
}
