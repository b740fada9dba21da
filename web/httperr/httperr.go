// Package httperr turns domain errors into HTTP answers: a status code and a
// body in the shape the route's clients expect (JSON:API errors, or
// CouchDB-style errors under /data).
package httperr

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/gin-gonic/gin"
)

// Error is an error with an HTTP status.
type Error struct {
	Status int
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

// New returns an *Error.
func New(status int, detail string) *Error { return &Error{Status: status, Detail: detail} }

// Wrap returns an *Error carrying err.
func Wrap(status int, err error) *Error { return &Error{Status: status, Err: err} }

// Unauthorized means no usable credentials were given.
var ErrNoToken = New(http.StatusUnauthorized, "no token")

// Status maps an error to its HTTP status.
func Status(err error) int {
	var he *Error
	switch {
	case errors.As(err, &he):
		return he.Status
	case errors.Is(err, token.ErrExpired):
		return http.StatusBadRequest // upstream answers 400 "Expired token"; clients rely on it
	case errors.Is(err, token.ErrInvalid):
		return http.StatusUnauthorized
	case errors.Is(err, permission.ErrForbidden), errors.Is(err, permission.ErrReservedDoctype):
		return http.StatusForbidden
	case errors.Is(err, permission.ErrInvalidDoctype), errors.Is(err, permission.ErrInvalidRule):
		return http.StatusBadRequest
	case errors.Is(err, instance.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, instance.ErrExists):
		return http.StatusConflict
	case errors.Is(err, instance.ErrInvalidDomain), errors.Is(err, instance.ErrInvalid):
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

// message is what a client may read of err. Unexpected internal errors are
// not told; an *Error with an explicit Detail is meant for the client.
func message(status int, err error) string {
	var he *Error
	if errors.As(err, &he) && he.Detail != "" {
		return he.Detail
	}
	if status >= 500 {
		return http.StatusText(status)
	}
	if errors.Is(err, token.ErrExpired) {
		return token.ErrExpired.Error()
	}
	return err.Error()
}

// JSONAPI writes err as a JSON:API error document and aborts the request.
func JSONAPI(c *gin.Context, err error) {
	status := Status(err)
	if status >= 500 {
		c.Error(err) // logged by the access log
	}
	c.AbortWithStatusJSON(status, gin.H{"errors": []gin.H{{
		"status": strconv.Itoa(status),
		"title":  http.StatusText(status),
		"detail": message(status, err),
	}}})
}

// Couch writes err in CouchDB's shape, {"error", "reason"}, and aborts. An
// error without a CouchDB name carries upstream's "code=N, message=..." in
// "error", which cozy-pouch-link matches ("Expired token", "reserved doctype").
func Couch(c *gin.Context, err error) {
	status := Status(err)
	if status >= 500 {
		c.Error(err)
	}
	msg := message(status, err)
	code := ""
	var he *Error
	if errors.As(err, &he) {
		code = he.Code
	}
	if code == "" {
		code = "code=" + strconv.Itoa(status) + ", message=" + msg
	}
	c.AbortWithStatusJSON(status, gin.H{"error": code, "reason": msg})
}

// Render writes err in the shape the route expects: CouchDB's under /data,
// JSON:API elsewhere.
func Render(c *gin.Context, err error) {
	if strings.HasPrefix(c.Request.URL.Path, "/data/") {
		Couch(c, err)
		return
	}
	JSONAPI(c, err)
}
