package permissions

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/web/httperr"
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

// exists tells which of the given documents are shared by link, with the
// verbs the shares allow on each.
func (h *Handler) exists(c *gin.Context) {
	_, inst, ok := h.current(c)
	if !ok {
		return
	}
	var body struct {
		Data []docRef `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(c.Request.Body, maxBody)).Decode(&body); err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "body must be {\"data\": [{\"type\", \"id\"}, ...]}"))
		return
	}
	if len(body.Data) > maxExists {
		httperr.JSONAPI(c, httperr.New(http.StatusRequestEntityTooLarge, "too many documents"))
		return
	}
	checked := map[string]bool{}
	for _, d := range body.Data {
		if d.Type == "" || d.ID == "" {
			httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "each document needs a type and an id"))
			return
		}
		if !checked[d.Type] {
			if !h.Auth.AllowWhole(c, permission.GET, d.Type) {
				return
			}
			checked[d.Type] = true
		}
	}
	shares, err := h.shares(c, inst)
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	out := []gin.H{}
	seen := map[docRef]bool{}
	for _, d := range body.Data {
		if seen[d] {
			continue
		}
		seen[d] = true
		var verbs permission.VerbSet
		for _, p := range shares {
			for _, r := range p.Rules {
				if r.MatchesType(d.Type) && (r.Selector == "" || r.Selector == "_id") && slices.Contains(r.Values, d.ID) {
					if r.Verbs == 0 {
						verbs = permission.ALL
					}
					verbs |= r.Verbs
				}
			}
		}
		if verbs != 0 {
			out = append(out, gin.H{"type": d.Type, "id": d.ID, "verbs": verbs})
		}
	}
	render(c, http.StatusOK, gin.H{"data": out})
}

// sharedByLink lists the share-by-link permissions with a rule on doctype.
func (h *Handler) sharedByLink(c *gin.Context) {
	doctype := c.Param("doctype")
	if err := permission.ValidateDoctype(doctype); err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	if !h.Auth.AllowWhole(c, permission.GET, doctype) {
		return
	}
	_, inst, _ := h.current(c)
	limit := defaultPageSize
	if raw := c.Query("page[limit]"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "page[limit] must be a positive number"))
			return
		}
		limit = min(n, maxPageSize)
	}
	cursor := c.Query("page[cursor]")
	shares, err := h.shares(c, inst)
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	var matching []*permission.Permission
	for _, p := range shares {
		if slices.ContainsFunc(p.Rules, func(r permission.Rule) bool { return r.MatchesType(doctype) }) {
			matching = append(matching, p)
		}
	}
	data := []gin.H{}
	next := ""
	for _, p := range matching { // sorted by id by the store
		if cursor != "" && p.ID <= cursor {
			continue
		}
		if len(data) == limit {
			next = data[len(data)-1]["id"].(string)
			break
		}
		data = append(data, object(p, true))
	}
	res := gin.H{"data": data, "meta": gin.H{"count": len(matching)}}
	if next != "" {
		res["links"] = gin.H{"next": c.Request.URL.Path + "?page[limit]=" + strconv.Itoa(limit) + "&page[cursor]=" + next}
	}
	render(c, http.StatusOK, res)
}
