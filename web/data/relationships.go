package data

import (
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// RelationshipsHandler serves /data/:doctype/:id/relationships/references
// (the files referencing a document), which the files area implements:
// GET lists them, POST and DELETE add and remove references in bulk.
type RelationshipsHandler interface {
	References(c *gin.Context, doctype, id string)
}

// referencesPath reports whether the escaped path after /data names the
// references of a document, and which.
func referencesPath(escaped string) (doctype, id string, ok bool) {
	rest := strings.TrimPrefix(strings.TrimPrefix(escaped, "/data"), "/")
	parts := strings.Split(rest, "/")
	if len(parts) != 4 || parts[2] != "relationships" || parts[3] != "references" {
		return "", "", false
	}
	doctype, err1 := url.PathUnescape(parts[0])
	id, err2 := url.PathUnescape(parts[1])
	if err1 != nil || err2 != nil || doctype == "" || id == "" || strings.HasPrefix(id, "_") {
		return "", "", false
	}
	return doctype, id, true
}
