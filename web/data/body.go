package data

import (
	"errors"
	"net/http"

	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// limit is the bound of the handler's JSON bodies.
func (h *Handler) limit() int64 {
	if h.BodyLimit <= 0 {
		return DefaultBodyLimit
	}
	return h.BodyLimit
}

// body reads the whole request body, at most limit bytes (413 past it),
// and checks that it is valid JSON text: UTF-8 without lone surrogate
// escapes, which encoding/json would silently replace (400).
func body(c *gin.Context, limit int64) ([]byte, error) {
	b, err := request.Body(c, limit)
	if err != nil {
		return nil, couchName(err)
	}
	if err := request.CheckText(b); err != nil {
		return nil, err
	}
	return b, nil
}

// decodeBody reads the request body (see body) into v: one JSON value.
func (h *Handler) decodeBody(c *gin.Context, v any) error {
	b, err := body(c, h.limit())
	if err != nil {
		return err
	}
	return couchName(request.Decode(b, v))
}

// couchName gives a client error without a CouchDB name the one CouchDB
// uses for malformed requests, bad_request.
func couchName(err error) error {
	var he *httperr.Error
	if errors.As(err, &he) && he.Status == http.StatusBadRequest && he.Code == "" {
		return &httperr.Error{Status: he.Status, Code: "bad_request", Detail: he.Detail, Err: he.Err}
	}
	return err
}
