package permissions

import (
	"net/http"
	"time"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// load reads the permission named in the path and checks that the
// request's token may use verb on it; it returns the token's permission
// and the document.
func (h *Handler) load(c *gin.Context, v permission.Verb) (cur, doc *permission.Permission, err error) {
	if cur, err = h.Auth.Permission(c); err != nil {
		return nil, nil, err
	}
	if doc, err = h.Perms.Get(c.Request.Context(), middleware.GetInstance(c), c.Param("id")); err != nil {
		return nil, nil, err
	}
	if err := permstore.MayManage(cur, doc, v); err != nil {
		return nil, nil, err
	}
	return cur, doc, nil
}

// get serves GET /permissions/:id.
func (h *Handler) get(c *gin.Context) error {
	cur, doc, err := h.load(c, permission.GET)
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, object(doc, !permstore.IsShare(cur.Type)))
}

// delete serves DELETE /permissions/:id, for share permissions only.
func (h *Handler) delete(c *gin.Context) error {
	_, doc, err := h.load(c, permission.DELETE)
	if err != nil {
		return err
	}
	if !permstore.IsShare(doc.Type) {
		return httperr.Forbidden("only share permissions can be deleted here")
	}
	if err := h.Perms.Delete(c.Request.Context(), middleware.GetInstance(c), doc.ID, doc.Rev); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// patch serves PATCH /permissions/:id: rules added or removed, codes
// revoked, expiry changed.
func (h *Handler) patch(c *gin.Context) error {
	cur, doc, err := h.load(c, permission.PATCH)
	if err != nil {
		return err
	}
	patch, err := readPatch(c)
	if err != nil {
		return err
	}
	if err := patch.Apply(cur, doc); err != nil {
		return err
	}
	if err := h.Perms.Put(c.Request.Context(), middleware.GetInstance(c), doc); err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, object(doc, true))
}

// readPatch reads a PATCH body: a permission key with an empty object
// removes that rule, codes lists the code names kept, expires_at sets the
// expiry ("" removes it).
func readPatch(c *gin.Context) (permstore.Patch, error) {
	a, err := readAttributes(c)
	if err != nil {
		return permstore.Patch{}, err
	}
	add, removed, err := parseRules(a.Permissions)
	if err != nil {
		return permstore.Patch{}, err
	}
	patch := permstore.Patch{Add: add, Remove: removed, Codes: a.Codes}
	if a.ExpiresAt != nil {
		patch.SetExpiry = true
		if *a.ExpiresAt != "" {
			exp, err := time.Parse(time.RFC3339, *a.ExpiresAt)
			if err != nil {
				return permstore.Patch{}, httperr.BadRequest("expires_at is not an RFC 3339 date")
			}
			patch.ExpiresAt = &exp
		}
	}
	return patch, nil
}
