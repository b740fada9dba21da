package vfs

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxNameLength is the longest name accepted, in bytes (as ext4's limit).
const MaxNameLength = 255

// NormalizeName checks a file or directory name and returns it in NFC, so
// that names typed on systems that decompose accents (NFD) and on those
// that do not clash and are found alike. Forbidden: empty, ".", "..", a
// "/", control characters, invalid UTF-8, more than MaxNameLength bytes.
func NormalizeName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", fmt.Errorf("%w: not valid UTF-8", ErrInvalidName)
	}
	n := norm.NFC.String(name)
	switch {
	case n == "":
		return "", fmt.Errorf("%w: empty name", ErrInvalidName)
	case n == "." || n == "..":
		return "", fmt.Errorf("%w: %q", ErrInvalidName, n)
	case len(n) > MaxNameLength:
		return "", fmt.Errorf("%w: longer than %d bytes", ErrInvalidName, MaxNameLength)
	case strings.ContainsRune(n, '/'):
		return "", fmt.Errorf("%w: %q contains a slash", ErrInvalidName, n)
	}
	for _, r := range n {
		if r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("%w: %q contains a control character", ErrInvalidName, n)
		}
	}
	return n, nil
}

// CleanPath normalises an absolute path (NFC, no trailing slash, no "."
// or ".." element); it errors on a relative path.
func CleanPath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%w: path %q is not absolute", ErrInvalidName, p)
	}
	if !utf8.ValidString(p) {
		return "", fmt.Errorf("%w: path not valid UTF-8", ErrInvalidName)
	}
	return path.Clean(norm.NFC.String(p)), nil
}

// ConflictName returns name with a " (n)" suffix before its extension, used
// when restoring from the trash onto a taken name.
func ConflictName(name string, n int) string {
	ext := path.Ext(name)
	base := strings.TrimSuffix(name, ext)
	if base == "" { // ".bashrc"
		base, ext = name, ""
	}
	return fmt.Sprintf("%s (%d)%s", base, n, ext)
}
