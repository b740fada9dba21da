package httperr

import (
	"errors"
	"io/fs"
	"net"
	"net/http"
	"net/url"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/box"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/jobs"
	"github.com/cozypi/cozy/pkg/mail"
	"github.com/cozypi/cozy/pkg/mango"
	"github.com/cozypi/cozy/pkg/notification"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/pkg/remote"
	"github.com/cozypi/cozy/pkg/revtree"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/pkg/update"
	"github.com/cozypi/cozy/pkg/vfs"
)

// entry maps a domain sentinel to its status and CouchDB error name.
type entry struct {
	err    error
	status int
	code   string // CouchDB "error" member, for /data; "" for the generic form
}

// table is every domain error the server answers with, in one place. The
// first entry that errors.Is matches wins, so more specific sentinels come
// first.
var table = []entry{
	// Requests.
	{ErrTooLarge, http.StatusRequestEntityTooLarge, "too_large"},

	// Tokens and permissions. An expired token is 400 "Expired token" as
	// upstream; clients match it.
	{token.ErrExpired, http.StatusBadRequest, ""},
	{token.ErrInvalid, http.StatusUnauthorized, ""},
	{oauth.ErrInvalidToken, http.StatusUnauthorized, ""},
	{session.ErrNoSession, http.StatusUnauthorized, ""},
	{passhash.ErrMismatch, http.StatusUnauthorized, ""},
	{session.ErrThrottled, http.StatusTooManyRequests, ""},
	{permission.ErrReservedDoctype, http.StatusForbidden, ""},
	{permission.ErrForbidden, http.StatusForbidden, ""},
	{permission.ErrInvalidDoctype, http.StatusBadRequest, ""},
	{permission.ErrInvalidRule, http.StatusBadRequest, ""},
	{permstore.ErrNotFound, http.StatusNotFound, "not_found"},
	{permstore.ErrInvalid, http.StatusBadRequest, "bad_request"},

	// Instances.
	{instance.ErrNotFound, http.StatusNotFound, "not_found"},
	{instance.ErrExists, http.StatusConflict, "conflict"},
	{instance.ErrInvalidDomain, http.StatusUnprocessableEntity, ""},
	{instance.ErrInvalid, http.StatusUnprocessableEntity, ""},
	{instance.ErrClosed, http.StatusServiceUnavailable, ""},

	// The household box's first-boot setup.
	{box.ErrClosed, http.StatusConflict, ""},
	{box.ErrBadCode, http.StatusForbidden, ""},
	{box.ErrInvalid, http.StatusUnprocessableEntity, ""},
	{box.ErrNoCertificates, http.StatusUnprocessableEntity, ""},
	{box.ErrHTTPS, http.StatusUnprocessableEntity, ""},

	// Update bundles (the admin API's POST /box/update).
	{update.ErrBadSignature, http.StatusUnprocessableEntity, ""},
	{update.ErrWrongBoard, http.StatusUnprocessableEntity, ""},
	{update.ErrDowngrade, http.StatusUnprocessableEntity, ""},
	{update.ErrTooLarge, http.StatusRequestEntityTooLarge, ""},
	{update.ErrBadBundle, http.StatusBadRequest, ""},
	{update.ErrCorrupt, http.StatusBadRequest, ""},
	{update.ErrTrial, http.StatusConflict, ""},
	{update.ErrBusy, http.StatusConflict, ""},
	{update.ErrNoTryboot, http.StatusConflict, ""},
	{update.ErrNoSlot, http.StatusConflict, ""},
	{update.ErrNoSpace, http.StatusInsufficientStorage, ""},

	// Documents.
	{store.ErrNotFound, http.StatusNotFound, "not_found"},
	{store.ErrConflict, http.StatusConflict, "conflict"},
	{store.ErrBadRequest, http.StatusBadRequest, "bad_request"},
	{store.ErrNoUsableIndex, http.StatusBadRequest, "no_usable_index"},
	{store.ErrForbidden, http.StatusForbidden, "forbidden"},
	{store.ErrUnauthorized, http.StatusUnauthorized, "unauthorized"},
	{store.ErrExists, http.StatusPreconditionFailed, "file_exists"},
	{store.ErrNotSupported, http.StatusNotImplemented, "not_implemented"},
	{store.ErrTooLarge, http.StatusRequestEntityTooLarge, "document_too_large"},
	{store.ErrClosed, http.StatusServiceUnavailable, ""},
	{store.ErrQueryServer, http.StatusInternalServerError, "os_process_error"},
	{mango.ErrBadQuery, http.StatusBadRequest, "bad_request"},
	{mango.ErrNoUsableIndex, http.StatusBadRequest, "no_usable_index"},
	{revtree.ErrInvalidRev, http.StatusBadRequest, "bad_request"},

	// Files.
	{vfs.ErrNotFound, http.StatusNotFound, "not_found"},
	{vfs.ErrParentNotFound, http.StatusNotFound, "not_found"},
	{vfs.ErrExists, http.StatusConflict, "conflict"},
	{vfs.ErrInvalidName, http.StatusUnprocessableEntity, ""},
	{vfs.ErrInvalidType, http.StatusUnprocessableEntity, ""},
	{vfs.ErrNotDirectory, http.StatusUnprocessableEntity, ""},
	{vfs.ErrNotFile, http.StatusUnprocessableEntity, ""},
	{vfs.ErrInvalidMetadata, http.StatusUnprocessableEntity, ""},
	{vfs.ErrMD5Mismatch, http.StatusPreconditionFailed, ""},
	{vfs.ErrSizeMismatch, http.StatusPreconditionFailed, ""},
	{vfs.ErrRevMismatch, http.StatusPreconditionFailed, ""},
	{vfs.ErrQuota, http.StatusRequestEntityTooLarge, ""},
	{vfs.ErrForbidden, http.StatusForbidden, ""},
	{vfs.ErrMoveIntoItself, http.StatusBadRequest, ""},
	{vfs.ErrNotTrashed, http.StatusBadRequest, ""},
	{vfs.ErrAlreadyTrashed, http.StatusBadRequest, ""},
	{vfs.ErrInvalidMD5, http.StatusBadRequest, ""},
	{vfs.ErrInvalidCursor, http.StatusBadRequest, ""},
	{vfs.ErrInvalidLink, http.StatusBadRequest, ""},
	{vfs.ErrExpiredLink, http.StatusBadRequest, ""},

	// Apps and konnectors.
	{apps.ErrNotFound, http.StatusNotFound, ""},
	{apps.ErrSourceNotFound, http.StatusNotFound, ""},
	{apps.ErrExists, http.StatusConflict, ""},
	{apps.ErrBusy, http.StatusConflict, ""},
	{apps.ErrInvalidSlug, http.StatusUnprocessableEntity, ""},
	{apps.ErrBadSource, http.StatusUnprocessableEntity, ""},
	{apps.ErrManifest, http.StatusBadRequest, ""},
	{apps.ErrUnsafeArchive, http.StatusBadRequest, ""},
	{apps.ErrChecksum, http.StatusBadRequest, ""},
	{apps.ErrVersionNotFound, http.StatusPreconditionFailed, ""},
	{apps.ErrNoFile, http.StatusNotFound, ""},
	{apps.ErrClosed, http.StatusServiceUnavailable, ""},

	// Jobs, notifications, mail.
	{jobs.ErrNotFound, http.StatusNotFound, ""},
	{jobs.ErrUnknownWorker, http.StatusBadRequest, ""},
	{jobs.ErrInvalid, http.StatusBadRequest, ""},
	{jobs.ErrClosed, http.StatusServiceUnavailable, ""},
	{notification.ErrInvalid, http.StatusUnprocessableEntity, ""},
	{notification.ErrUnknownApp, http.StatusNotFound, ""},
	{mail.ErrInvalid, http.StatusBadRequest, ""},

	// OAuth (RFC 6749 codes; /auth/access_token renders them in OAuth's
	// own shape).
	{oauth.ErrInvalidClient, http.StatusBadRequest, ""},
	{oauth.ErrInvalidRedirectURI, http.StatusBadRequest, ""},
	{oauth.ErrInvalidClientMeta, http.StatusBadRequest, ""},
	{oauth.ErrInvalidGrant, http.StatusBadRequest, ""},
	{oauth.ErrInvalidRequest, http.StatusBadRequest, ""},
	{oauth.ErrUnsupportedGrantType, http.StatusBadRequest, ""},
	{oauth.ErrInvalidScope, http.StatusBadRequest, ""},

	// Remote doctypes: the statuses of remote.HTTPStatus, listed here so
	// the table is the one answer.
	{remote.ErrDoctypeNotFound, http.StatusNotFound, ""},
	{remote.ErrAssetNotFound, http.StatusNotFound, ""},
	{remote.ErrSecretNotFound, http.StatusNotFound, ""},
	{remote.ErrMissingVariable, http.StatusBadRequest, ""},
	{remote.ErrInvalidVariable, http.StatusBadRequest, ""},
	{remote.ErrInvalidDefinition, http.StatusBadRequest, ""},
	{remote.ErrInvalidSecret, http.StatusBadRequest, ""},
	{remote.ErrMethodMismatch, http.StatusMethodNotAllowed, ""},
	{remote.ErrTimeout, http.StatusGatewayTimeout, ""},
	{remote.ErrBlockedDestination, http.StatusBadGateway, ""},
	{remote.ErrInvalidContentType, http.StatusBadGateway, ""},
	{remote.ErrResponseTooLarge, http.StatusBadGateway, ""},
	{remote.ErrRequestFailed, http.StatusBadGateway, ""},
	{remote.ErrLogFailed, http.StatusInternalServerError, ""},
}

// lookup finds err's table entry.
func lookup(err error) (entry, bool) {
	var he *Error
	if errors.As(err, &he) {
		return entry{err: he, status: he.Status, code: he.Code}, true
	}
	var fe *apps.FieldError
	if errors.As(err, &fe) {
		return entry{err: fe, status: http.StatusUnprocessableEntity}, true
	}
	for _, e := range table {
		if errors.Is(err, e.err) {
			return e, true
		}
	}
	return entry{}, false
}

// Status maps an error to its HTTP status (500 for what the table does not
// know).
func Status(err error) int {
	if e, ok := lookup(err); ok {
		return e.status
	}
	return http.StatusInternalServerError
}

// Message is what a client may read of err: the detail of an *Error, a
// store error's CouchDB reason, or the error's text; for a 5xx only the
// status text; and only the sentinel's text when the error carries a file
// system or network error (paths, addresses, a peer's answer).
func Message(err error) string {
	e, ok := lookup(err)
	// A query server's error is about the client's own design document
	// function (a limit, an exception): its reason is shown, as CouchDB's.
	if !ok || e.status >= 500 && !isRemote(e.err) && e.err != store.ErrQueryServer {
		return http.StatusText(Status(err))
	}
	var he *Error
	if errors.As(err, &he) && he.Detail != "" {
		return he.Detail
	}
	if isRemote(e.err) {
		return remote.PublicMessage(err)
	}
	var se *store.Error
	if errors.As(err, &se) && se.Reason != "" {
		return se.Reason
	}
	if leaks(err) {
		return e.err.Error()
	}
	return err.Error()
}

// isRemote tells whether a table error is one of the remote proxy's,
// whose public messages are upstream's fixed texts (shown even for 5xx).
func isRemote(err error) bool {
	switch err {
	case remote.ErrTimeout, remote.ErrBlockedDestination, remote.ErrInvalidContentType,
		remote.ErrResponseTooLarge, remote.ErrRequestFailed, remote.ErrLogFailed:
		return true
	}
	return false
}

// leaks tells whether err carries an error whose text may hold a path, an
// address or another server's words.
func leaks(err error) bool {
	var pe *fs.PathError
	var le *net.OpError
	var ue *url.Error
	var dnse *net.DNSError
	return errors.As(err, &pe) || errors.As(err, &le) || errors.As(err, &ue) || errors.As(err, &dnse)
}

// couchCode is err's CouchDB "error" name, "" when it has none.
func couchCode(err error) string {
	var se *store.Error
	if errors.As(err, &se) && se.Code != "" && se.Kind != nil {
		return se.Code
	}
	if e, ok := lookup(err); ok {
		return e.code
	}
	return ""
}
