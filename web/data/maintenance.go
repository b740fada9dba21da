package data

import (
	"encoding/json"
	"net/http"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/gin-gonic/gin"
)

// compact is POST /data/:doctype/_compact: the bodies of replaced
// revisions (readable with ?rev= until then) are dropped. It runs before
// the answer (CouchDB answers 202 and compacts in the background), in
// short transactions. It needs POST on the whole doctype.
func (h *Handler) compact(c *gin.Context, doctype string) error {
	if err := h.Auth.RequireData(c, permission.POST, doctype, nil); err != nil {
		return err
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	if err := db.Compact(c.Request.Context()); err != nil {
		return err
	}
	c.JSON(http.StatusAccepted, gin.H{"ok": true})
	return nil
}

// purge is POST /data/:doctype/_purge {"id": ["rev", ...]}: the leaf
// revisions are removed as if never written. It needs DELETE on the whole
// doctype.
func (h *Handler) purge(c *gin.Context, doctype string) error {
	if err := h.Auth.RequireData(c, permission.DELETE, doctype, nil); err != nil {
		return err
	}
	var req map[string][]string
	if err := h.decodeBody(c, &req); err != nil {
		return err
	}
	n := 0
	for _, revs := range req {
		n += len(revs)
	}
	if n > MaxBulkDocs {
		return tooMany("max_document_id_number_exceeded", MaxBulkDocs)
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	purged, err := db.Purge(c.Request.Context(), req)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, gin.H{"purge_seq": nil, "purged": purged})
	return nil
}

// revsLimit is GET /data/:doctype/_revs_limit.
func (h *Handler) revsLimit(c *gin.Context, doctype string) error {
	if err := h.Auth.RequireData(c, permission.GET, doctype, nil); err != nil {
		return err
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	n, err := db.RevsLimit(c.Request.Context())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, n)
	return nil
}

// setRevsLimit is PUT /data/:doctype/_revs_limit with a number body. It
// needs PUT on the whole doctype.
func (h *Handler) setRevsLimit(c *gin.Context, doctype string) error {
	if err := h.Auth.RequireData(c, permission.PUT, doctype, nil); err != nil {
		return err
	}
	var n json.Number
	if err := h.decodeBody(c, &n); err != nil {
		return err
	}
	v, err := n.Int64()
	if err != nil || v < 1 || v > 1<<20 {
		return store.BadRequest("_revs_limit must be a positive integer")
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	if _, err := db.Info(c.Request.Context()); err != nil {
		return err
	}
	if err := db.SetRevsLimit(c.Request.Context(), int(v)); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"ok": true})
	return nil
}
