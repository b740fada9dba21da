package data

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
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
func (h *Handler) allDocsOptions(c *gin.Context) (store.AllDocsOptions, []string, error) {
	o := store.AllDocsOptions{InclusiveEnd: true}
	var err error
	if o.StartKey, err = keyParam(c, []string{"startkey", "start_key"}, []string{"startkey_docid", "start_key_doc_id"}); err != nil {
		return o, nil, err
	}
	if o.EndKey, err = keyParam(c, []string{"endkey", "end_key"}, []string{"endkey_docid", "end_key_doc_id"}); err != nil {
		return o, nil, err
	}
	key, err := jsonKeyParam(c, "key")
	if err != nil {
		return o, nil, err
	}
	if key != nil { // a range of one key: a missing or deleted one gives no row
		o.StartKey, o.EndKey, o.InclusiveEnd = key, key, true
	}
	if v, ok := c.GetQuery("keys"); ok {
		if err := json.Unmarshal([]byte(v), &o.Keys); err != nil {
			return o, nil, store.BadRequest("query parameter keys must be a JSON array of strings")
		}
	}
	if o.Limit, err = intParam(c, "limit", 0); err != nil {
		return o, nil, err
	}
	if v, ok := c.GetQuery("limit"); ok && v == "0" {
		o.Limit = -1 // an explicit 0: no rows
	}
	if o.Skip, err = intParam(c, "skip", 0); err != nil {
		return o, nil, err
	}
	if err := boolParams(c, map[string]*bool{"descending": &o.Descending, "include_docs": &o.IncludeDocs, "conflicts": &o.Conflicts}); err != nil {
		return o, nil, err
	}
	if v := c.Query("inclusive_end"); v != "" {
		if o.InclusiveEnd, err = boolParam(c, "inclusive_end"); err != nil {
			return o, nil, err
		}
	}
	o.ExcludeDesignDocs = c.Query("DesignDocs") == "false"
	var fields []string
	if f := c.Query("Fields"); f != "" {
		fields = strings.Split(f, ",")
	}
	if c.Request.Method == http.MethodPost {
		raw, err := body(c, h.limit())
		if err != nil {
			return o, nil, err
		}
		var req struct {
			Keys []string `json:"keys"`
		}
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &req); err != nil {
				return o, nil, store.BadRequest("invalid JSON body: %v (keys must be strings)", err)
			}
		}
		if req.Keys != nil {
			o.Keys = req.Keys
		}
	}
	if key != nil && o.Keys != nil {
		return o, nil, &store.Error{Kind: store.ErrBadRequest, Code: "query_parse_error",
			Reason: "`keys` is incompatible with `key`, `start_key` and `end_key`"}
	}
	if key != nil && c.Query("inclusive_end") == "false" {
		o.Limit = -2 // an empty range
	}
	return o, fields, nil
}

// keyParam reads a start or end key: a JSON string under one of names, or
// else a raw id under one of idNames (cozy-client pages with
// startkey_docid).
func keyParam(c *gin.Context, names, idNames []string) (*string, error) {
	k, err := jsonKeyParam(c, names...)
	if k != nil || err != nil {
		return k, err
	}
	for _, n := range idNames {
		if v, ok := c.GetQuery(n); ok {
			return &v, nil
		}
	}
	return nil, nil
}

// allDocs is GET/POST /data/:doctype/_all_docs.
func (h *Handler) allDocs(c *gin.Context, doctype string) error {
	return h.listDocs(c, doctype, false)
}

// designDocs is /data/:doctype/_design_docs.
func (h *Handler) designDocs(c *gin.Context, doctype string) error {
	return h.listDocs(c, doctype, true)
}

// listDocs serves _all_docs and _design_docs; it needs GET on the whole
// doctype.
func (h *Handler) listDocs(c *gin.Context, doctype string, design bool) error {
	if err := h.Auth.RequireData(c, permission.GET, doctype, nil); err != nil {
		return err
	}
	o, fields, err := h.allDocsOptions(c)
	if err != nil {
		return err
	}
	o.OnlyDesignDocs = design
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	updateSeq, err := boolParam(c, "update_seq")
	if err != nil {
		return err
	}
	var seq uint64
	if updateSeq { // read first: the listing is at least as recent
		info, err := db.Info(c.Request.Context())
		if err != nil {
			return err
		}
		seq = info.UpdateSeq
	}
	var inl inlineOptions
	if inl.all, err = boolParam(c, "attachments"); err != nil {
		return err
	}
	// The answer is streamed: offset first (known before the listing),
	// total_rows and update_seq after the rows, the order in which
	// encoding/json writes a map's members.
	offset := 0
	if o.Keys == nil && o.Limit >= 0 {
		offset = o.Skip
	}
	s := &stream{c: c, prefix: `{"offset":` + strconv.Itoa(offset) + `,"rows":[`}
	ctx := c.Request.Context()
	res, err := eachAllDocs(ctx, db, o, func(r store.AllDocsRow) error {
		row := allDocsRow{ID: r.ID, Key: r.ID}
		switch {
		case r.Err != nil:
			row = allDocsRow{Key: r.ID, Error: r.Err.Code}
		default:
			row.Value = &rowValue{Rev: r.Rev, Deleted: r.Deleted}
			if o.IncludeDocs {
				row.Doc = json.RawMessage("null")
				if r.Doc != nil {
					doc, err := inline(ctx, db, r.Doc, inl, true)
					if err != nil {
						return err
					}
					row.Doc = project(doc, fields)
				}
			}
		}
		return s.row(row)
	})
	if err != nil {
		return s.fail(h.Log, err)
	}
	end := `],"total_rows":` + strconv.FormatInt(res.TotalRows, 10)
	if updateSeq {
		end += `,"update_seq":` + jsonString(seqString(seq))
	}
	s.end(end + "}")
	return nil
}

// eachAllDocs runs _all_docs; an explicit limit=0 or an empty key range
// (o.Limit < 0) only counts.
func eachAllDocs(ctx context.Context, db store.DB, o store.AllDocsOptions, fn func(store.AllDocsRow) error) (store.AllDocsResult, error) {
	if o.Limit >= 0 {
		return db.EachAllDocs(ctx, o, fn)
	}
	info, err := db.Info(ctx)
	return store.AllDocsResult{TotalRows: info.DocCount}, err
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
func (h *Handler) normalDocs(c *gin.Context, doctype string) error {
	if err := h.Auth.RequireData(c, permission.GET, doctype, nil); err != nil {
		return err
	}
	limit, err := intParam(c, "limit", 100)
	if err != nil {
		return err
	}
	limit = min(limit, 1000)
	skip, err := intParam(c, "skip", 0)
	if err != nil {
		return err
	}
	o := store.AllDocsOptions{InclusiveEnd: true, IncludeDocs: true, ExcludeDesignDocs: true, Limit: limit, Skip: skip}
	var after string
	if bm := c.Query("bookmark"); bm != "" {
		b, err := base64.RawURLEncoding.DecodeString(bm)
		if err != nil {
			return store.BadRequest("invalid bookmark")
		}
		after = string(b)
		o.StartKey = &after
		o.Limit = limit + 1
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	res, err := db.AllDocs(c.Request.Context(), o)
	if err != nil {
		return err
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
	return nil
}
