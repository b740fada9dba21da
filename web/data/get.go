package data

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/gin-gonic/gin"
)

// getOptions reads the query parameters of GET /data/:doctype/:id.
func getOptions(c *gin.Context) (store.GetOptions, error) {
	o := store.GetOptions{Rev: c.Query("rev")}
	err := boolParams(c, map[string]*bool{"revs": &o.Revs, "revs_info": &o.RevsInfo, "conflicts": &o.Conflicts,
		"deleted_conflicts": &o.DeletedConflicts, "latest": &o.Latest, "meta": &o.Meta})
	return o, err
}

// getDoc is GET /data/:doctype/:id, with CouchDB's revs, open_revs, latest,
// conflicts and rev parameters. Every revision answered is checked against
// the permission, not only the winner.
func (h *Handler) getDoc(c *gin.Context, doctype, id string) error {
	if err := h.Auth.RequireDataSome(c, permission.GET, doctype); err != nil {
		return err
	}
	opts, err := getOptions(c)
	if err != nil {
		return err
	}
	inl, err := readInlineOptions(c)
	if err != nil {
		return err
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	askedRevs := opts.Revs
	opts.Revs = opts.Revs || len(inl.attsSince) > 0 // atts_since is read from the history
	if openRevs, has := c.GetQuery("open_revs"); has {
		return h.openRevs(c, db, doctype, id, openRevs, opts, inl, askedRevs)
	}
	doc, err := db.Get(c.Request.Context(), id, opts)
	if err != nil {
		return err
	}
	m, err := decodeDoc(doc.Body)
	if err != nil {
		return err
	}
	if err := h.Auth.RequireData(c, permission.GET, doctype, m); err != nil {
		return err
	}
	body, err := inline(c.Request.Context(), db, doc.Body, inl, askedRevs)
	if err != nil {
		return err
	}
	if !askedRevs && opts.Rev == "" {
		body = withType(body, doctype)
	}
	c.Header("Etag", `"`+doc.Rev+`"`)
	c.Data(http.StatusOK, "application/json", body)
	return nil
}

// openRevs answers GET /data/:doctype/:id?open_revs=all|[revs]. Reading
// any revision needs GET on the current document, as a plain GET does; a
// revision the token may not read (a conflict outside its selector) is
// then left out of "all", and answered as a missing revision when the
// client named it: either way the answer tells nothing of it.
func (h *Handler) openRevs(c *gin.Context, db store.DB, doctype, id, param string, opts store.GetOptions, inl inlineOptions, keepRevisions bool) error {
	var revs []string
	if param != "all" {
		if err := json.Unmarshal([]byte(param), &revs); err != nil {
			return store.BadRequest("open_revs must be \"all\" or a JSON array of revisions")
		}
	}
	ctx := c.Request.Context()
	cur, err := storedDoc(ctx, db, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		cur = permission.MapDoc{"_id": id}
	case err != nil:
		return err
	}
	if err := h.Auth.RequireData(c, permission.GET, doctype, cur); err != nil {
		return err
	}
	list, err := db.OpenRevs(ctx, id, revs, opts.Latest, opts.Revs)
	if err != nil {
		return err
	}
	readable, err := h.readable(c, doctype)
	if err != nil {
		return err
	}
	if acceptsMultipart(c, "multipart/mixed") {
		return writeRevsMultipart(c, db, list, revs, readable, inl, keepRevisions)
	}
	out := make([]gin.H, 0, len(list))
	for _, r := range list {
		switch {
		case r.OK == nil:
			out = append(out, gin.H{"missing": r.Missing})
		case readable(r.OK.Body):
			body, err := inline(ctx, db, r.OK.Body, inl, keepRevisions)
			if err != nil {
				return err
			}
			out = append(out, gin.H{"ok": body})
		case slices.Contains(revs, r.OK.Rev):
			out = append(out, gin.H{"missing": r.OK.Rev})
		}
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// readable returns the test of the revisions the request may read in
// doctype: every one with GET on the whole doctype, else those its rules
// accept.
func (h *Handler) readable(c *gin.Context, doctype string) (func(doc json.RawMessage) bool, error) {
	p, err := h.Auth.Permission(c)
	if err != nil {
		return nil, err
	}
	if permission.CheckDataWhole(p, permission.GET, doctype) == nil {
		return func(json.RawMessage) bool { return true }, nil
	}
	return func(doc json.RawMessage) bool {
		m, err := decodeDoc(doc)
		return err == nil && permission.CheckDataDoc(p, permission.GET, doctype, m) == nil
	}, nil
}
