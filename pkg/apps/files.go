package apps

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/cozypi/cozy/pkg/instance"
)

// ErrNoFile is wrapped when a file asked for in an app's folder is
// missing, is not a regular file, or would lie outside the folder (404).
var ErrNoFile = errors.New("no such file in the application")

// OpenRoot opens the serving folder of a. Every read inside an installed
// app's folder (its files, manifest, icon, index, services) goes through
// an *os.Root, so that "..", absolute names and symbolic links leading out
// of the folder cannot escape it. The caller closes the root.
func (m *Manager) OpenRoot(inst *instance.Instance, a *App) (*os.Root, error) {
	if a.Dir == "" {
		return nil, fmt.Errorf("%w: %s has no files yet", ErrVersionNotFound, a.Slug)
	}
	return m.openDir(inst, a, a.Dir)
}

// OpenVersionRoot opens the folder of the given version of a: the
// serving one ("" or its version) or the previous one, which is kept.
func (m *Manager) OpenVersionRoot(inst *instance.Instance, a *App, version string) (*os.Root, error) {
	switch {
	case version == "" || version == a.Version():
		return m.OpenRoot(inst, a)
	case version == a.PrevVersion && a.PrevDir != "":
		return m.openDir(inst, a, a.PrevDir)
	}
	return nil, fmt.Errorf("%w: %s %s", ErrVersionNotFound, a.Slug, version)
}

func (m *Manager) openDir(inst *instance.Instance, a *App, dir string) (*os.Root, error) {
	r, err := os.OpenRoot(filepath.Join(m.PackageDir(inst, a.Kind(), a.Slug), dir))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: the folder of this version is gone: %w", ErrVersionNotFound, a.Slug, err)
	}
	return r, nil
}

// RootName turns a package path ("/js/app.js", "js/app.js") into the
// name of the file in an *os.Root. A name with a NUL or climbing out
// after cleaning is refused with ErrNoFile; the root itself refuses the
// escapes a clean name can still make (symbolic links).
func RootName(p string) (string, error) {
	if strings.Contains(p, "\x00") {
		return "", fmt.Errorf("%w: bad name", ErrNoFile)
	}
	name := strings.TrimPrefix(path.Clean("/"+p), "/")
	if name == "" {
		name = "."
	}
	return name, nil
}

// OpenFile opens the regular file at package path p under root.
func OpenFile(root *os.Root, p string) (*os.File, fs.FileInfo, error) {
	name, err := RootName(p)
	if err != nil {
		return nil, nil, err
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %w", ErrNoFile, name, err)
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%w: %s is not a regular file", ErrNoFile, name)
	}
	return f, st, nil
}

// ReadFile reads the regular file at package path p of a's serving folder,
// of at most limit bytes.
func (m *Manager) ReadFile(inst *instance.Instance, a *App, p string, limit int64) ([]byte, error) {
	root, err := m.OpenRoot(inst, a)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return ReadRoot(root, p, limit)
}

// ReadRoot reads the regular file at package path p under root, of at
// most limit bytes.
func ReadRoot(root *os.Root, p string, limit int64) ([]byte, error) {
	f, st, err := OpenFile(root, p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st.Size() > limit {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrNoFile, p, limit)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("apps: read %s: %w", p, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrNoFile, p, limit)
	}
	return b, nil
}

// ReadIn reads the regular file at package path p ("services/a.js",
// "/index.js") in the folder dir through an *os.Root, of at most limit
// bytes: neither "..", an absolute name nor a symbolic link reaches
// outside dir. Any refusal wraps ErrNoFile.
func ReadIn(dir, p string, limit int64) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoFile, err)
	}
	defer root.Close()
	return ReadRoot(root, p, limit)
}
