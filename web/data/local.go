package data

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/gin-gonic/gin"
)

// local serves /data/:doctype/_local/:id, the replication checkpoints. Only
// GET on the whole doctype is needed, as upstream: a client that may read a
// doctype may replicate it, which writes checkpoints on both sides. What a
// read-only token may so write is bounded: store.MaxLocalSize bytes per
// document (413) and store.MaxLocalDocs documents per doctype (403).
func (h *Handler) local(c *gin.Context, rt route, m string) error {
	if err := h.Auth.RequireData(c, permission.GET, rt.doctype, nil); err != nil {
		return err
	}
	if len(rt.extra) > 0 { // an attachment path, whatever the method (CouchDB's answer)
		return store.BadRequest("_local documents do not accept attachments.")
	}
	db, err := h.db(c, rt.doctype)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	switch m {
	case http.MethodGet, http.MethodHead:
		doc, err := db.GetLocal(ctx, rt.id)
		if err != nil {
			return err
		}
		c.Data(http.StatusOK, "application/json", doc.Body)
		return nil
	case http.MethodPut:
		raw, err := body(c, min(h.limit(), store.MaxLocalSize))
		if err != nil {
			return err
		}
		if !json.Valid(raw) {
			return store.BadRequest("invalid JSON body")
		}
		res, err := db.PutLocal(ctx, rt.id, raw)
		if err != nil {
			return err
		}
		c.JSON(http.StatusCreated, gin.H{"ok": true, "id": res.ID, "rev": res.Rev})
		return nil
	case http.MethodDelete:
		rev := c.Query("rev")
		if rev == "" {
			rev = strings.Trim(c.GetHeader("If-Match"), `"`)
		}
		res, err := db.DeleteLocal(ctx, rt.id, rev)
		if err != nil {
			return err
		}
		c.JSON(http.StatusOK, gin.H{"ok": true, "id": res.ID, "rev": res.Rev})
		return nil
	}
	return notAllowed(c)
}
