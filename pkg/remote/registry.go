package remote

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

//go:embed doctypes/*/request
var embedded embed.FS

// requestFile is the name of the definition file inside a doctype directory.
const requestFile = "request"

// Registry finds remote doctype definitions: the upstream set shipped in the
// binary, optionally overridden by a directory laid out the same way
// (<doctype>/request), as `cozy serve --doctypes DIR` asks. A doctype found
// in the directory wins over the embedded one; the others stay available.
// The directory is read on every lookup so edits apply without a restart.
// A Registry is safe for concurrent use.
type Registry struct {
	builtin map[string]*Definition
	dir     fs.FS // nil without override
}

// NewRegistry loads the embedded definitions and, if dir is not empty, uses
// it as an override. Files under dir are opened through an os.Root, so
// symbolic links cannot escape it.
func NewRegistry(dir string) (*Registry, error) {
	r := &Registry{builtin: make(map[string]*Definition)}
	sub, err := fs.Sub(embedded, "doctypes")
	if err != nil {
		return nil, fmt.Errorf("remote: embedded doctypes: %w", err)
	}
	names, err := listDoctypes(sub)
	if err != nil {
		return nil, fmt.Errorf("remote: embedded doctypes: %w", err)
	}
	for _, n := range names {
		def, err := loadDefinition(sub, n)
		if err != nil {
			return nil, fmt.Errorf("remote: embedded doctype %s: %w", n, err)
		}
		r.builtin[n] = def
	}
	if dir != "" {
		root, err := os.OpenRoot(dir)
		if err != nil {
			return nil, fmt.Errorf("remote: doctypes directory: %w", err)
		}
		r.dir = root.FS()
	}
	return r, nil
}

// Definition returns the definition of doctype, or an error wrapping
// ErrDoctypeNotFound. A definition in the override directory that does not
// parse gives an error wrapping ErrInvalidDefinition.
func (r *Registry) Definition(doctype string) (*Definition, error) {
	if !ValidDoctype(doctype) {
		return nil, fmt.Errorf("%w: invalid doctype name %q", ErrDoctypeNotFound, abbreviate(doctype))
	}
	if r.dir != nil {
		def, err := loadDefinition(r.dir, doctype)
		if err == nil {
			return def, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("remote: doctype %s: %w", doctype, err)
		}
	}
	def, ok := r.builtin[doctype]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrDoctypeNotFound, doctype)
	}
	cp := *def
	return &cp, nil
}

// Doctypes lists the known remote doctypes, sorted: the embedded ones and
// those of the override directory.
func (r *Registry) Doctypes() ([]string, error) {
	names := make([]string, 0, len(r.builtin))
	for n := range r.builtin {
		names = append(names, n)
	}
	if r.dir != nil {
		extra, err := listDoctypes(r.dir)
		if err != nil {
			return nil, fmt.Errorf("remote: doctypes directory: %w", err)
		}
		names = append(names, extra...)
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// ValidDoctype reports whether name can be a doctype: lowercase ASCII
// letters, digits, '.', '_' and '-', starting with a letter or digit, at most
// 255 bytes. It keeps names usable as one directory level.
func ValidDoctype(name string) bool {
	if name == "" || len(name) > 255 || name[0] == '.' || name[0] == '_' || name[0] == '-' ||
		strings.Contains(name, "..") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// listDoctypes returns the directories of fsys holding a request file.
func listDoctypes(fsys fs.FS) ([]string, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() || !ValidDoctype(e.Name()) {
			continue
		}
		if _, err := fs.Stat(fsys, e.Name()+"/"+requestFile); err == nil {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// loadDefinition parses <doctype>/request from fsys.
func loadDefinition(fsys fs.FS, doctype string) (*Definition, error) {
	f, err := fsys.Open(doctype + "/" + requestFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	def, err := ParseRequest(f)
	if err != nil {
		return nil, err
	}
	def.Doctype = doctype
	return def, nil
}
