package httperr

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cozypi/cozy/pkg/store"
)

// ContentType is JSON:API's media type, which every JSON:API answer,
// errors included, carries.
const ContentType = "application/vnd.api+json"

// HandlerFunc is a handler that returns its error instead of writing it.
type HandlerFunc func(c *gin.Context) error

// Handle adapts f to gin: an error it returns is rendered by Render, the
// one place errors become answers. If f had already started its answer
// (a stream that failed half-way), the error is only logged.
func Handle(f HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := f(c); err != nil {
			if c.Writer.Written() {
				_ = c.Error(err)
				c.Abort()
				return
			}
			Render(c, err)
		}
	}
}

// Render writes err in the shape the route expects: CouchDB's under
// /data, JSON:API elsewhere. It aborts the request; 5xx errors are logged
// by the access log.
func Render(c *gin.Context, err error) {
	if strings.HasPrefix(c.Request.URL.Path, "/data/") {
		Couch(c, err)
		return
	}
	JSONAPI(c, err)
}

// JSONAPI writes err as a JSON:API error document and aborts the request.
func JSONAPI(c *gin.Context, err error) {
	status := Status(err)
	if status >= 500 {
		_ = c.Error(err)
	}
	c.Header("Content-Type", ContentType)
	c.AbortWithStatusJSON(status, gin.H{"errors": []gin.H{{
		"status": strconv.Itoa(status),
		"title":  jsonapiTitle(err, status),
		"detail": Message(err),
	}}})
}

// jsonapiTitle is the status text, or for a store error its CouchDB name
// ("no_usable_index", "conflict"), as upstream titles CouchDB errors:
// cozy-stack-client matches the name to create a missing index and retry.
func jsonapiTitle(err error, status int) string {
	var se *store.Error
	if status < 500 && errors.As(err, &se) && se.Code != "" {
		return se.Code
	}
	return http.StatusText(status)
}

// Couch writes err in CouchDB's shape, {"error", "reason"}, and aborts. An
// error without a CouchDB name carries upstream's "code=N, message=..." in
// "error", which cozy-pouch-link matches ("Expired token", "reserved
// doctype").
func Couch(c *gin.Context, err error) {
	status := Status(err)
	if status >= 500 {
		_ = c.Error(err)
	}
	msg := Message(err)
	code := couchCode(err)
	if status >= 500 && !errors.Is(err, store.ErrQueryServer) {
		code = "internal_server_error"
		if status == http.StatusNotImplemented {
			code = "not_implemented"
		}
	}
	if code == "" {
		code = "code=" + strconv.Itoa(status) + ", message=" + msg
	}
	c.AbortWithStatusJSON(status, gin.H{"error": code, "reason": msg})
}
