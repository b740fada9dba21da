package data

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/gin-gonic/gin"
)

// design serves /data/:doctype/_design/:ddoc (GET, PUT, DELETE) and
// POST .../_design/:ddoc/copy. Design documents concern the whole doctype,
// so each verb is checked on the whole doctype.
func (h *Handler) design(c *gin.Context, rt route, m string) {
	id := store.DesignPrefix + rt.id
	copyRoute := len(rt.extra) == 1 && rt.extra[0] == "copy"
	if len(rt.extra) > 0 && !copyRoute {
		notFound(c)
		return
	}
	switch {
	case copyRoute && m == http.MethodPost:
		h.copyDesign(c, rt.doctype, id)
	case copyRoute:
		notAllowed(c)
	case m == http.MethodGet || m == http.MethodHead:
		if !h.Auth.AllowData(c, permission.GET, rt.doctype, nil) {
			return
		}
		h.getDoc(c, rt.doctype, id)
	case m == http.MethodPut:
		if !h.Auth.AllowData(c, permission.PUT, rt.doctype, nil) {
			return
		}
		h.putDoc(c, rt.doctype, id)
	case m == http.MethodDelete:
		if !h.Auth.AllowData(c, permission.DELETE, rt.doctype, nil) {
			return
		}
		h.deleteDoc(c, rt.doctype, id)
	default:
		notAllowed(c)
	}
}

// copyDesign copies a design document to the id in the Destination header.
func (h *Handler) copyDesign(c *gin.Context, doctype, id string) {
	if !h.Auth.AllowData(c, permission.POST, doctype, nil) {
		return
	}
	dest := c.GetHeader("Destination")
	if dest == "" {
		badRequest(c, "the Destination header is required")
		return
	}
	if !strings.HasPrefix(dest, store.DesignPrefix) {
		dest = store.DesignPrefix + dest
	}
	db, ok := h.db(c, doctype)
	if !ok {
		return
	}
	res, err := db.CopyDesign(c.Request.Context(), id, c.Query("rev"), dest)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"ok": true, "id": res.ID, "rev": res.Rev})
}

// local serves /data/:doctype/_local/:id, the replication checkpoints. Only
// GET on the whole doctype is needed, as upstream: a client that may read a
// doctype may replicate it, which writes checkpoints on both sides.
func (h *Handler) local(c *gin.Context, rt route, m string) {
	if len(rt.extra) > 0 {
		notFound(c)
		return
	}
	if !h.Auth.AllowData(c, permission.GET, rt.doctype, nil) {
		return
	}
	db, ok := h.db(c, rt.doctype)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	switch m {
	case http.MethodGet, http.MethodHead:
		doc, err := db.GetLocal(ctx, rt.id)
		if err != nil {
			fail(c, err)
			return
		}
		c.Data(http.StatusOK, "application/json", doc.Body)
	case http.MethodPut:
		raw, ok := h.readBody(c)
		if !ok {
			return
		}
		if !json.Valid(raw) {
			badRequest(c, "invalid JSON body")
			return
		}
		res, err := db.PutLocal(ctx, rt.id, raw)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, gin.H{"ok": true, "id": res.ID, "rev": res.Rev})
	case http.MethodDelete:
		rev := c.Query("rev")
		if rev == "" {
			rev = strings.Trim(c.GetHeader("If-Match"), `"`)
		}
		res, err := db.DeleteLocal(ctx, rt.id, rev)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"ok": true, "id": res.ID, "rev": res.Rev})
	default:
		notAllowed(c)
	}
}
