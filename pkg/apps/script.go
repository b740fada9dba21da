package apps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cozypi/cozy/pkg/instance"
)

// MaxScript bounds a script read by ReadFile, Script and KonnectorEntry.
const MaxScript = 16 << 20

// ErrScript is the error of a script that cannot be read: absent, outside
// its app's folder, not a regular file, or too large.
var ErrScript = errors.New("unreadable script")

// ReadFile reads file (a slash-separated path) inside the folder dir
// through os.Root: neither ".." nor a symbolic link can reach outside dir.
// Only regular files up to limit bytes are read.
func ReadFile(dir, file string, limit int64) ([]byte, error) {
	// Manifests name files from the app's root, with or without a leading
	// slash; anything else ("..", links) is for os.Root to refuse.
	rel := strings.TrimLeft(file, "/")
	if rel == "" {
		return nil, fmt.Errorf("%w: empty path %q", ErrScript, file)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrScript, err)
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(rel))
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrScript, file, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrScript, file, err)
	}
	if !st.Mode().IsRegular() || st.Size() > limit {
		return nil, fmt.Errorf("%w: %q is not a regular file of at most %d bytes", ErrScript, file, limit)
	}
	// Bounded again while reading: the file may grow after Stat.
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrScript, file, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: %q is larger than %d bytes", ErrScript, file, limit)
	}
	return b, nil
}

// Script reads a service file of the installed web app slug, from the
// version its document points at. An app the instance does not have is
// looked up under <instance dir>/apps/<slug>/ (scripts put there by hand,
// for development).
func (m *Manager) Script(ctx context.Context, inst *instance.Instance, slug, file string) ([]byte, error) {
	a, err := m.Get(ctx, inst, Webapp, slug)
	if errors.Is(err, ErrNotFound) && ValidSlug(slug) {
		return ReadFile(filepath.Join(m.Stores.Dir(inst), "apps", slug), file, MaxScript)
	}
	if err != nil {
		return nil, err
	}
	if a.Dir == "" {
		return nil, fmt.Errorf("%w: app %q is %s, its files are not installed", ErrScript, slug, a.State)
	}
	return ReadFile(m.Root(inst, a), file, MaxScript)
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
	if a.Dir == "" {
		return nil, fmt.Errorf("%w: konnector %q is %s, its files are not installed", ErrScript, slug, a.State)
	}
	dir := m.Root(inst, a)
	main := "index.js"
	if raw, err := ReadFile(dir, "package.json", MaxManifestSize); err == nil {
		var pkg struct {
			Main string `json:"main"`
		}
		if json.Unmarshal(raw, &pkg) == nil && pkg.Main != "" {
			main = pkg.Main
		}
	}
	script, err := ReadFile(dir, main, MaxScript)
	if err != nil {
		return nil, err
	}
	return &KonnectorEntry{Script: script, Language: a.Manifest.Language, Parameters: a.Manifest.Extra["parameters"]}, nil
}
