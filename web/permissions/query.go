package permissions

import (
	"net/http"
	"strconv"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// maxExists bounds the documents asked about in one /permissions/exists.
const maxExists = 1000

// Page sizes of /permissions/doctype/:doctype/shared-by-link.
const (
	defaultPageSize = 30
	maxPageSize     = 100
)

type docRef struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// sharedRef is a document shared by link, with the verbs the shares allow.
type sharedRef struct {
	Type  string             `json:"type"`
	ID    string             `json:"id"`
	Verbs permission.VerbSet `json:"verbs"`
}

// exists serves POST /permissions/exists: which of the given documents are
// shared by link, with the verbs the shares allow on each. The token must
// read the whole doctype of every document asked about.
func (h *Handler) exists(c *gin.Context) error {
	if _, err := h.Auth.Permission(c); err != nil {
		return err // even for an empty list: the answer is for token holders
	}
	refs, err := h.readRefs(c)
	if err != nil {
		return err
	}
	shares, err := h.Perms.LiveShares(c.Request.Context(), middleware.GetInstance(c))
	if err != nil {
		return err
	}
	out := []sharedRef{}
	for _, d := range refs {
		if verbs := permstore.SharedVerbs(shares, d.Type, d.ID); verbs != 0 {
			out = append(out, sharedRef{Type: d.Type, ID: d.ID, Verbs: verbs})
		}
	}
	return jsonapi.Write(c, http.StatusOK, jsonapi.Document{Data: out})
}

// readRefs reads the documents asked about, without duplicates, checking
// the token reads their doctypes.
func (h *Handler) readRefs(c *gin.Context) ([]docRef, error) {
	var body struct {
		Data []docRef `json:"data"`
	}
	if err := request.JSON(c, maxBody, &body); err != nil {
		return nil, err
	}
	if len(body.Data) > maxExists {
		return nil, httperr.New(http.StatusRequestEntityTooLarge, "too many documents")
	}
	checked, seen := map[string]bool{}, map[docRef]bool{}
	var refs []docRef
	for _, d := range body.Data {
		if d.Type == "" || d.ID == "" {
			return nil, httperr.BadRequest("each document needs a type and an id")
		}
		if !checked[d.Type] {
			if err := h.Auth.RequireWhole(c, permission.GET, d.Type); err != nil {
				return nil, err
			}
			checked[d.Type] = true
		}
		if !seen[d] {
			seen[d] = true
			refs = append(refs, d)
		}
	}
	return refs, nil
}

// sharedByLink serves GET /permissions/doctype/:doctype/shared-by-link:
// the live share permissions with a rule on doctype, by pages.
func (h *Handler) sharedByLink(c *gin.Context) error {
	doctype := c.Param("doctype")
	if err := permission.ValidateDoctype(doctype); err != nil {
		return err
	}
	if err := h.Auth.RequireWhole(c, permission.GET, doctype); err != nil {
		return err
	}
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	shares, err := h.Perms.LiveShares(c.Request.Context(), middleware.GetInstance(c))
	if err != nil {
		return err
	}
	matching := permstore.OnDoctype(shares, doctype)
	page, next := pageAfter(matching, c.Query("page[cursor]"), limit)
	data := make([]jsonapi.Object, len(page))
	for i, p := range page {
		data[i] = object(p, true)
	}
	if next != "" {
		next = c.Request.URL.Path + "?page[limit]=" + strconv.Itoa(limit) + "&page[cursor]=" + next
	}
	return jsonapi.List(c, http.StatusOK, data, len(matching), next)
}

// pageLimit reads page[limit].
func pageLimit(c *gin.Context) (int, error) {
	raw := c.Query("page[limit]")
	if raw == "" {
		return defaultPageSize, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return 0, httperr.BadRequest("page[limit] must be a positive number")
	}
	return min(n, maxPageSize), nil
}

// pageAfter returns up to limit permissions (sorted by id) after cursor,
// and the cursor of the next page ("" on the last).
func pageAfter(all []*permission.Permission, cursor string, limit int) (page []*permission.Permission, next string) {
	for _, p := range all {
		if cursor != "" && p.ID <= cursor {
			continue
		}
		if len(page) == limit {
			return page, page[len(page)-1].ID
		}
		page = append(page, p)
	}
	return page, ""
}
