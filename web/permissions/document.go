package permissions

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// load reads the permission named in the path and checks that the
// request's token may use verb on it.
func (h *Handler) load(c *gin.Context, v permission.Verb) (*permission.Permission, *permission.Permission, *instance.Instance, bool) {
	cur, inst, ok := h.current(c)
	if !ok {
		return nil, nil, nil, false
	}
	doc, err := h.Perms.Get(c, inst, c.Param("id"))
	if err != nil {
		httperr.JSONAPI(c, storeError(err))
		return nil, nil, nil, false
	}
	if err := mayManage(cur, doc, v); err != nil {
		httperr.JSONAPI(c, err)
		return nil, nil, nil, false
	}
	return cur, doc, inst, true
}

// mayManage tells whether cur may use verb v on the stored permission doc.
func mayManage(cur, doc *permission.Permission, v permission.Verb) error {
	if cur.AllowID(v, permstore.Doctype, doc.ID) == nil {
		return nil
	}
	if permstore.IsShare(cur.Type) {
		// A share token only reads its own permission.
		if v == permission.GET && cur.ID == doc.ID {
			return nil
		}
		return httperr.New(http.StatusForbidden, "a share token cannot manage permissions")
	}
	if cur.SourceID != "" && cur.SourceID == doc.SourceID && permstore.IsShare(doc.Type) {
		return nil
	}
	if permstore.IsShare(doc.Type) && permstore.Covers(cur.Rules, doc.Rules) == nil {
		return nil
	}
	return httperr.New(http.StatusForbidden, "this token may not "+string(v)+" permission "+doc.ID)
}

func (h *Handler) get(c *gin.Context) {
	cur, doc, _, ok := h.load(c, permission.GET)
	if !ok {
		return
	}
	render(c, http.StatusOK, gin.H{"data": object(doc, !permstore.IsShare(cur.Type))})
}

func (h *Handler) delete(c *gin.Context) {
	_, doc, inst, ok := h.load(c, permission.DELETE)
	if !ok {
		return
	}
	if !permstore.IsShare(doc.Type) {
		httperr.JSONAPI(c, httperr.New(http.StatusForbidden, "only share permissions can be deleted here"))
		return
	}
	if err := h.Perms.Delete(c, inst, doc.ID, doc.Rev); err != nil {
		httperr.JSONAPI(c, storeError(err))
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *Handler) patch(c *gin.Context) {
	cur, doc, inst, ok := h.load(c, permission.PATCH)
	if !ok {
		return
	}
	a, err := readAttributes(c)
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	if err := applyPatch(cur, doc, a); err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	if err := h.Perms.Put(c, inst, doc); err != nil {
		httperr.JSONAPI(c, storeError(err))
		return
	}
	render(c, http.StatusOK, gin.H{"data": object(doc, true)})
}

// applyPatch changes doc as a asks: rules added (covered by cur) or removed
// by title, codes kept only when listed, expiry set or removed ("").
func applyPatch(cur, doc *permission.Permission, a *attributes) error {
	add, removed, err := parseRules(a.Permissions)
	if err != nil {
		return err
	}
	if err := permstore.Covers(cur.Rules, add); err != nil {
		return err
	}
	rules := make(permission.Set, 0, len(doc.Rules)+len(add))
	for i, r := range doc.Rules {
		if r.Title == "" {
			r.Title = "rule" + strconv.Itoa(i)
		}
		if !slices.Contains(removed, r.Title) && !hasTitle(add, r.Title) {
			rules = append(rules, r)
		}
	}
	rules = append(rules, add...)
	if len(rules) == 0 {
		return httperr.New(http.StatusBadRequest, "a permission cannot be left without rules")
	}
	doc.Rules = rules
	if a.Codes != nil {
		for name := range doc.Codes {
			if _, keep := a.Codes[name]; !keep {
				delete(doc.Codes, name)
				delete(doc.ShortCodes, name)
			}
		}
	}
	if a.ExpiresAt != nil {
		if *a.ExpiresAt == "" {
			doc.ExpiresAt = nil
		} else {
			exp, err := time.Parse(time.RFC3339, *a.ExpiresAt)
			if err != nil {
				return httperr.New(http.StatusBadRequest, "expires_at is not an RFC 3339 date")
			}
			doc.ExpiresAt = &exp
		}
	}
	return nil
}

func hasTitle(set permission.Set, title string) bool {
	for _, r := range set {
		if r.Title == title {
			return true
		}
	}
	return false
}
