// Package httperr is the server's one error vocabulary: it maps every
// domain error (store, vfs, apps, jobs, remote, permstore, oauth, tokens,
// permissions, instances) to an HTTP status through one table, and renders
// errors in the shape a route's clients expect: JSON:API errors
// (application/vnd.api+json) in general, CouchDB's {"error","reason"}
// under /data. Handlers return errors (see Handle) and never write an
// error answer themselves.
//
// Limits: a public message never carries internal detail. 5xx answers say
// only the status text (the error is logged), and errors wrapping file
// system or network errors show their domain sentinel's text, not paths or
// a peer's answer.
package httperr

import (
	"errors"
	"net/http"
)

// Error is an error with an HTTP status, for what no domain sentinel says:
// a malformed request, a missing parameter.
type Error struct {
	Status int
	// Detail is the message shown to the client.
	Detail string
	// Code is a CouchDB-style error name ("not_found", "conflict"); when
	// empty, the CouchDB form carries upstream's "code=..., message=..."
	// text, which clients match.
	Code string
	Err  error
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Detail
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return http.StatusText(e.Status)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error whose detail is shown to the client.
func New(status int, detail string) *Error { return &Error{Status: status, Detail: detail} }

// Wrap returns an *Error carrying err, shown as its public message.
func Wrap(status int, err error) *Error { return &Error{Status: status, Err: err} }

// BadRequest is a 400 with a message for the client.
func BadRequest(detail string) *Error { return New(http.StatusBadRequest, detail) }

// NotFound is a 404 with a message for the client.
func NotFound(detail string) *Error { return New(http.StatusNotFound, detail) }

// Forbidden is a 403 with a message for the client.
func Forbidden(detail string) *Error { return New(http.StatusForbidden, detail) }

// Conflict is a 409 with a message for the client.
func Conflict(detail string) *Error { return New(http.StatusConflict, detail) }

// ErrNoToken means no credentials were given.
var ErrNoToken = New(http.StatusUnauthorized, "no token")

// ErrTooLarge is the sentinel of request bodies over their limit (413).
var ErrTooLarge = errors.New("request body too large")
