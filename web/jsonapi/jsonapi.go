// Package jsonapi writes JSON:API documents (jsonapi.org), the shape of
// every answer outside /data: one resource (Data), a list (List), or any
// document (Write). Answers carry application/vnd.api+json. Errors are not
// written here but returned to httperr, the one error vocabulary.
package jsonapi

import (
	"encoding/json"
	"fmt"

	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// ContentType is JSON:API's media type.
const ContentType = httperr.ContentType

// Object is one resource.
type Object struct {
	Type          string         `json:"type"`
	ID            string         `json:"id"`
	Attributes    any            `json:"attributes,omitempty"`
	Meta          map[string]any `json:"meta,omitempty"`
	Links         map[string]any `json:"links,omitempty"`
	Relationships map[string]any `json:"relationships,omitempty"`
}

// WithRev sets meta.rev when rev is not empty, and returns o.
func (o Object) WithRev(rev string) Object {
	if rev != "" {
		if o.Meta == nil {
			o.Meta = map[string]any{}
		}
		o.Meta["rev"] = rev
	}
	return o
}

// Document is a whole JSON:API document.
type Document struct {
	Data     any            `json:"data"`
	Included any            `json:"included,omitempty"`
	Links    map[string]any `json:"links,omitempty"`
	Meta     map[string]any `json:"meta,omitempty"`
}

// Write encodes doc before writing anything, so an encoding failure is
// still a clean error answer; it returns the error for the handler to
// return.
func Write(c *gin.Context, status int, doc any) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("jsonapi: encode answer: %w", err)
	}
	c.Data(status, ContentType, b)
	return nil
}

// Data writes one resource.
func Data(c *gin.Context, status int, o any) error {
	return Write(c, status, Document{Data: o})
}

// List writes a list of resources with meta.count (the number of items
// there are in all, which may be more than this page), and a next link
// when next is not empty.
func List[T any](c *gin.Context, status int, items []T, count int, next string) error {
	if items == nil {
		items = []T{}
	}
	doc := Document{Data: items, Meta: map[string]any{"count": count}}
	if next != "" {
		doc.Links = map[string]any{"next": next}
	}
	return Write(c, status, doc)
}
