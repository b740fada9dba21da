package permission

import (
	"errors"
	"fmt"
)

// ErrReservedDoctype is wrapped when a doctype may not be read or written
// through the data API. Its text carries upstream's words, which clients
// match ("reserved doctype").
var ErrReservedDoctype = errors.New("reserved doctype")

// ErrInvalidDoctype is wrapped when a doctype name is malformed.
var ErrInvalidDoctype = errors.New("invalid doctype")

// maxDoctypeLength bounds doctype names; they become bucket names and paths.
const maxDoctypeLength = 128

// ValidateDoctype checks a doctype name: lowercase ASCII letters, digits,
// '.', '_' and '-', starting with a letter, at most 128 bytes.
func ValidateDoctype(doctype string) error {
	if doctype == "" || len(doctype) > maxDoctypeLength {
		return fmt.Errorf("%w: %q", ErrInvalidDoctype, doctype)
	}
	for i := 0; i < len(doctype); i++ {
		c := doctype[i]
		switch {
		case c >= 'a' && c <= 'z':
		case i > 0 && (c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'):
		default:
			return fmt.Errorf("%w: %q", ErrInvalidDoctype, doctype)
		}
	}
	return nil
}

// Doctypes the server keeps for itself: never readable or writable through
// the data API, whatever a token says.
var unreadableDoctypes = map[string]bool{
	"io.cozy.instances":           true,
	"io.cozy.sessions":            true,
	"io.cozy.permissions":         true,
	"io.cozy.oauth.clients":       true,
	"io.cozy.oauth.access_codes":  true,
	"io.cozy.sharings":            true,
	"io.cozy.shared":              true,
	"io.cozy.remote.secrets":      true,
	"io.cozy.auth.confirmations":  true,
	"io.cozy.settings.passphrase": true,
}

// Doctypes that are readable through the data API but written only by the
// server's own endpoints (files, apps, jobs...).
var readOnlyDoctypes = map[string]bool{
	"io.cozy.files":              true,
	"io.cozy.files.versions":     true,
	"io.cozy.apps":               true,
	"io.cozy.konnectors":         true,
	"io.cozy.jobs":               true,
	"io.cozy.triggers":           true,
	"io.cozy.notifications":      true,
	"io.cozy.remote.requests":    true,
	"io.cozy.sessions.logins":    true,
	"io.cozy.notes.steps":        true,
	"io.cozy.notes.images":       true,
	"io.cozy.bitwarden.contacts": true,
}

// serverDesignDocs are the design documents the server defines on the
// doctypes it writes itself and queries through (pkg/vfs's indexes, created
// when an instance's VFS opens): no token may delete or overwrite them.
var serverDesignDocs = map[string]map[string]bool{
	"io.cozy.files": {"_design/by-dir-id-name": true, "_design/by-path": true},
}

// CheckReadable tells whether the data API may read doctype.
func CheckReadable(doctype string) error {
	if err := ValidateDoctype(doctype); err != nil {
		return err
	}
	if unreadableDoctypes[doctype] {
		return fmt.Errorf("%w %s is unreadable", ErrReservedDoctype, doctype)
	}
	return nil
}

// CheckWritable tells whether the data API may write doctype.
func CheckWritable(doctype string) error {
	if err := CheckReadable(doctype); err != nil {
		return err
	}
	if readOnlyDoctypes[doctype] {
		return fmt.Errorf("%w %s is unwritable", ErrReservedDoctype, doctype)
	}
	return nil
}
