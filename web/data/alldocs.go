package data

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/cozypi/cozy/pkg/mango"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/gin-gonic/gin"
)

// allDocsRow is one row of _all_docs as CouchDB renders it.
type allDocsRow struct {
	ID    string          `json:"id,omitempty"`
	Key   string          `json:"key"`
	Value *rowValue       `json:"value,omitempty"`
	Doc   json.RawMessage `json:"doc,omitempty"`
	Error string          `json:"error,omitempty"`
}

type rowValue struct {
	Rev     string `json:"rev"`
	Deleted bool   `json:"deleted,omitempty"`
}

// jsonKeyParam reads a JSON-encoded string key from the query.
func jsonKeyParam(c *gin.Context, names ...string) (*string, error) {
	for _, n := range names {
		v, ok := c.GetQuery(n)
		if !ok {
			continue
		}
		var s string
		if err := json.Unmarshal([]byte(v), &s); err != nil {
			return nil, store.BadRequest("query parameter %s must be a JSON string", n)
		}
		return &s, nil
	}
	return nil, nil
}

// allDocsOptions reads the _all_docs parameters from the query and, for
// POST, the "keys" of the body.
func (h *Handler) allDocsOptions(c *gin.Context) (store.AllDocsOptions, []string, bool) {
	o := store.AllDocsOptions{InclusiveEnd: true}
	fail1 := func(err error) (store.AllDocsOptions, []string, bool) { fail(c, err); return o, nil, false }
	var err error
	if o.StartKey, err = jsonKeyParam(c, "startkey", "start_key"); err != nil {
		return fail1(err)
	}
	if o.StartKey == nil {
		// cozy-client pages with startkey_docid, a raw id.
		for _, n := range []string{"startkey_docid", "start_key_doc_id"} {
			if v, ok := c.GetQuery(n); ok {
				o.StartKey = &v
				break
			}
		}
	}
	if o.EndKey, err = jsonKeyParam(c, "endkey", "end_key"); err != nil {
		return fail1(err)
	}
	if o.EndKey == nil {
		for _, n := range []string{"endkey_docid", "end_key_doc_id"} {
			if v, ok := c.GetQuery(n); ok {
				o.EndKey = &v
				break
			}
		}
	}
	key, err := jsonKeyParam(c, "key")
	if err != nil {
		return fail1(err)
	}
	if key != nil {
		o.Keys = []string{*key}
	}
	if v, ok := c.GetQuery("keys"); ok {
		if err := json.Unmarshal([]byte(v), &o.Keys); err != nil {
			return fail1(store.BadRequest("query parameter keys must be a JSON array of strings"))
		}
	}
	if o.Limit, err = intParam(c, "limit", 0); err != nil {
		return fail1(err)
	}
	if v, ok := c.GetQuery("limit"); ok && v == "0" {
		o.Limit = -1 // an explicit 0: no rows
	}
	if o.Skip, err = intParam(c, "skip", 0); err != nil {
		return fail1(err)
	}
	for _, p := range []struct {
		name string
		dst  *bool
	}{{"descending", &o.Descending}, {"include_docs", &o.IncludeDocs}, {"conflicts", &o.Conflicts}} {
		if *p.dst, err = boolParam(c, p.name); err != nil {
			return fail1(err)
		}
	}
	if v := c.Query("inclusive_end"); v != "" {
		if o.InclusiveEnd, err = boolParam(c, "inclusive_end"); err != nil {
			return fail1(err)
		}
	}
	if c.Query("DesignDocs") == "false" {
		o.ExcludeDesignDocs = true
	}
	var fields []string
	if f := c.Query("Fields"); f != "" {
		fields = strings.Split(f, ",")
	}
	if c.Request.Method == http.MethodPost {
		raw, ok := h.readBody(c)
		if !ok {
			return o, nil, false
		}
		var body struct {
			Keys []string `json:"keys"`
		}
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &body); err != nil {
				return fail1(store.BadRequest("invalid JSON body: %v (keys must be strings)", err))
			}
		}
		if body.Keys != nil {
			o.Keys = body.Keys
		}
	}
	return o, fields, true
}

// allDocs is GET/POST /data/:doctype/_all_docs.
func (h *Handler) allDocs(c *gin.Context, doctype string) {
	h.listDocs(c, doctype, false)
}

// designDocs is /data/:doctype/_design_docs.
func (h *Handler) designDocs(c *gin.Context, doctype string) {
	h.listDocs(c, doctype, true)
}

func (h *Handler) listDocs(c *gin.Context, doctype string, design bool) {
	if !h.Auth.AllowData(c, permission.GET, doctype, nil) {
		return
	}
	o, fields, ok := h.allDocsOptions(c)
	if !ok {
		return
	}
	o.OnlyDesignDocs = design
	db, ok := h.db(c, doctype)
	if !ok {
		return
	}
	var res store.AllDocsResult
	if o.Limit >= 0 {
		var err error
		if res, err = db.AllDocs(c.Request.Context(), o); err != nil {
			fail(c, err)
			return
		}
	} else if info, err := db.Info(c.Request.Context()); err != nil {
		fail(c, err)
		return
	} else {
		res.TotalRows = info.DocCount
	}
	rows := make([]allDocsRow, 0, len(res.Rows))
	for _, r := range res.Rows {
		row := allDocsRow{ID: r.ID, Key: r.ID}
		switch {
		case r.Err != nil:
			row = allDocsRow{Key: r.ID, Error: r.Err.Code}
		default:
			row.Value = &rowValue{Rev: r.Rev, Deleted: r.Deleted}
			if o.IncludeDocs {
				row.Doc = json.RawMessage("null")
				if r.Doc != nil {
					row.Doc = project(r.Doc, fields)
				}
			}
		}
		rows = append(rows, row)
	}
	c.JSON(http.StatusOK, gin.H{"total_rows": res.TotalRows, "offset": res.Offset, "rows": rows})
}

// project keeps _id, _rev and the given fields of a document (cozy's
// Fields parameter); no fields keeps it whole.
func project(doc json.RawMessage, fields []string) json.RawMessage {
	if len(fields) == 0 {
		return doc
	}
	m, err := store.DecodeDoc(doc)
	if err != nil {
		return doc
	}
	out := mango.Project(m, append([]string{"_id", "_rev"}, fields...))
	b, err := json.Marshal(out)
	if err != nil {
		return doc
	}
	return b
}

// normalDocs is GET /data/:doctype/_normal_docs: the documents without the
// design ones, paginated by bookmark ({rows, total_rows, bookmark}).
func (h *Handler) normalDocs(c *gin.Context, doctype string) {
	if !h.Auth.AllowData(c, permission.GET, doctype, nil) {
		return
	}
	limit, err := intParam(c, "limit", 100)
	if err != nil {
		fail(c, err)
		return
	}
	if limit > 1000 {
		limit = 1000
	}
	skip, err := intParam(c, "skip", 0)
	if err != nil {
		fail(c, err)
		return
	}
	o := store.AllDocsOptions{InclusiveEnd: true, IncludeDocs: true, ExcludeDesignDocs: true, Limit: limit, Skip: skip}
	var after string
	if bm := c.Query("bookmark"); bm != "" {
		b, err := base64.RawURLEncoding.DecodeString(bm)
		if err != nil {
			badRequest(c, "invalid bookmark")
			return
		}
		after = string(b)
		o.StartKey = &after
		o.Limit = limit + 1
	}
	db, ok := h.db(c, doctype)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	res, err := db.AllDocs(ctx, o)
	if err != nil {
		fail(c, err)
		return
	}
	docs := make([]json.RawMessage, 0, len(res.Rows))
	last := ""
	for _, r := range res.Rows {
		if r.ID == after && after != "" || r.Doc == nil {
			continue
		}
		if len(docs) == limit {
			break
		}
		docs = append(docs, r.Doc)
		last = r.ID
	}
	bookmark := ""
	if last != "" {
		bookmark = base64.RawURLEncoding.EncodeToString([]byte(last))
	}
	c.JSON(http.StatusOK, gin.H{"rows": docs, "total_rows": res.TotalRows, "bookmark": bookmark})
}
