package apps

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"

	"github.com/cozypi/cozy/pkg/instance"
)

// MaxScript bounds a script read by Script and KonnectorEntry.
const MaxScript = 16 << 20

// Script reads a service file of the installed web app slug, from the
// version its document points at. An app the instance does not have is
// looked up under <instance dir>/apps/<slug>/ (scripts put there by hand,
// for development).
func (m *Manager) Script(ctx context.Context, inst *instance.Instance, slug, file string) ([]byte, error) {
	a, err := m.Get(ctx, inst, Webapp, slug)
	if errors.Is(err, ErrNotFound) && ValidSlug(slug) {
		return ReadIn(filepath.Join(m.Stores.Dir(inst), "apps", slug), file, MaxScript)
	}
	if err != nil {
		return nil, err
	}
	return m.ReadFile(inst, a, file, MaxScript)
}

// KonnectorEntry is what running a konnector needs from its package.
type KonnectorEntry struct {
	Script     []byte          // the entry point's source
	Language   string          // the manifest's language
	Parameters json.RawMessage // the manifest's "parameters", if any
}

// KonnectorEntry reads the entry point of the installed konnector slug: the
// "main" of its package.json, else index.js, with its manifest's language
// and parameters.
func (m *Manager) KonnectorEntry(ctx context.Context, inst *instance.Instance, slug string) (*KonnectorEntry, error) {
	a, err := m.Get(ctx, inst, Konnector, slug)
	if err != nil {
		return nil, err
	}
	main := "index.js"
	if raw, err := m.ReadFile(inst, a, "package.json", MaxManifestSize); err == nil {
		var pkg struct {
			Main string `json:"main"`
		}
		if json.Unmarshal(raw, &pkg) == nil && pkg.Main != "" {
			main = pkg.Main
		}
	}
	script, err := m.ReadFile(inst, a, main, MaxScript)
	if err != nil {
		return nil, err
	}
	return &KonnectorEntry{Script: script, Language: a.Manifest.Language, Parameters: a.Manifest.Extra["parameters"]}, nil
}
