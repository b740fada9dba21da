package store

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by a store wraps one of them; use
// errors.Is to classify and errors.As with *Error for the CouchDB code and
// reason.
var (
	ErrNotFound      = errors.New("not found")       // 404
	ErrConflict      = errors.New("conflict")        // 409
	ErrBadRequest    = errors.New("bad request")     // 400
	ErrForbidden     = errors.New("forbidden")       // 403
	ErrNoUsableIndex = errors.New("no usable index") // 400
	ErrExists        = errors.New("already exists")  // 412 (database exists)
	ErrNotSupported  = errors.New("not implemented") // 501
	ErrClosed        = errors.New("store closed")    // 500
	ErrTooLarge      = errors.New("too large")       // 413 (a _local document over MaxLocalSize)

	// ErrStop is returned by the callback of an Each method to end the
	// listing early; the method then returns no error.
	ErrStop = errors.New("stop")
)

// Error carries a CouchDB error code and human reason on top of a sentinel.
type Error struct {
	Kind   error  // one of the sentinels above
	Code   string // CouchDB "error" member: not_found, conflict, bad_request, doc_validation, no_usable_index, forbidden, file_exists
	Reason string // CouchDB "reason" member: "missing", "deleted", "Document update conflict.", ...
}

// Error implements error.
func (e *Error) Error() string { return e.Code + ": " + e.Reason }

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Kind }

// Reasons used with ErrNotFound.
const (
	ReasonMissing = "missing"
	ReasonDeleted = "deleted"
)

// NotFound returns a not_found error with the given reason ("missing",
// "deleted", "Database does not exist.").
func NotFound(reason string) *Error {
	return &Error{Kind: ErrNotFound, Code: "not_found", Reason: reason}
}

// Conflict returns CouchDB's update conflict error.
func Conflict() *Error {
	return &Error{Kind: ErrConflict, Code: "conflict", Reason: "Document update conflict."}
}

// BadRequest returns a bad_request error.
func BadRequest(format string, args ...any) *Error {
	return &Error{Kind: ErrBadRequest, Code: "bad_request", Reason: fmt.Sprintf(format, args...)}
}

// DocValidation returns a doc_validation error (400), used for reserved
// members and malformed special members.
func DocValidation(format string, args ...any) *Error {
	return &Error{Kind: ErrBadRequest, Code: "doc_validation", Reason: fmt.Sprintf(format, args...)}
}

// NoUsableIndex returns the error of a _find that no index can serve.
func NoUsableIndex(reason string) *Error {
	return &Error{Kind: ErrNoUsableIndex, Code: "no_usable_index", Reason: reason}
}

// TooLarge returns the error of a document over a size bound.
func TooLarge(format string, args ...any) *Error {
	return &Error{Kind: ErrTooLarge, Code: "document_too_large", Reason: fmt.Sprintf(format, args...)}
}

// AsError returns the *Error inside err, or wraps a foreign error as an
// internal one (Kind nil, Code "internal_server_error").
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: "internal_server_error", Reason: err.Error()}
}
