package data

import (
	"net/http"
	"strings"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/gin-gonic/gin"
)

// design serves /data/:doctype/_design/:ddoc (GET, PUT, DELETE) and
// POST .../_design/:ddoc/copy. Design documents concern the whole doctype,
// so each verb is checked on the whole doctype.
func (h *Handler) design(c *gin.Context, rt route, m string) error {
	id := store.DesignPrefix + rt.id
	copyRoute := len(rt.extra) == 1 && rt.extra[0] == "copy"
	if len(rt.extra) == 2 && rt.extra[0] == "_view" {
		if m != http.MethodGet && m != http.MethodHead && m != http.MethodPost {
			return notAllowed(c)
		}
		return h.view(c, rt.doctype, rt.id, rt.extra[1])
	}
	if len(rt.extra) > 0 && !copyRoute {
		return h.designAttachment(c, rt.doctype, id, strings.Join(rt.extra, "/"), m)
	}
	var verb permission.Verb
	var serve func(c *gin.Context, doctype, id string) error
	switch {
	case copyRoute && m == http.MethodPost:
		return h.copyDesign(c, rt.doctype, id)
	case copyRoute:
		return notAllowed(c)
	case m == http.MethodGet || m == http.MethodHead:
		verb, serve = permission.GET, h.getDoc
	case m == http.MethodPut:
		verb, serve = permission.PUT, h.putDoc
	case m == http.MethodDelete:
		return h.deleteDesign(c, rt.doctype, id)
	default:
		return notAllowed(c)
	}
	if err := h.Auth.RequireData(c, verb, rt.doctype, nil); err != nil {
		return err
	}
	return serve(c, rt.doctype, id)
}

// copyDesign copies a design document to the id in the Destination header.
func (h *Handler) copyDesign(c *gin.Context, doctype, id string) error {
	dest := c.GetHeader("Destination")
	if !strings.HasPrefix(dest, store.DesignPrefix) {
		dest = store.DesignPrefix + dest
	}
	if err := h.requireDesign(c, permission.POST, doctype, dest); err != nil {
		return err
	}
	if dest == store.DesignPrefix {
		return store.BadRequest("the Destination header is required")
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	res, err := db.CopyDesign(c.Request.Context(), id, c.Query("rev"), dest)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, gin.H{"ok": true, "id": res.ID, "rev": res.Rev})
	return nil
}

// deleteDesign deletes a design document: DELETE on the whole doctype, and
// on the doctypes only the server writes, not one of the server's own
// (permission.CheckDataDesign).
func (h *Handler) deleteDesign(c *gin.Context, doctype, id string) error {
	if err := h.requireDesign(c, permission.DELETE, doctype, id); err != nil {
		return err
	}
	rev, err := deleteRev(c)
	if err != nil {
		return err
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	res, err := db.Delete(c.Request.Context(), id, rev)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"ok": true, "id": res.ID, "rev": res.Rev, "type": doctype, "_deleted": true})
	return nil
}

// requireDesign checks verb on the design document ddoc of doctype.
func (h *Handler) requireDesign(c *gin.Context, v permission.Verb, doctype, ddoc string) error {
	p, err := h.Auth.Permission(c)
	if err != nil {
		return err
	}
	return permission.CheckDataDesign(p, v, doctype, ddoc)
}
