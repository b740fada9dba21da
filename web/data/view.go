package data

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/cozypi/cozy/pkg/collate"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/gin-gonic/gin"
)

// viewParams are the options of a view query: the query string's, and a
// POST body's members (JSON texts) on top.
type viewParams struct {
	c    *gin.Context
	body map[string]json.RawMessage
}

// get returns a parameter's text: a JSON text for the JSON-valued ones.
func (p viewParams) get(name string) (string, bool) {
	if v, ok := p.body[name]; ok {
		var s string
		if json.Unmarshal(v, &s) == nil && !jsonParam(name) {
			return s, true
		}
		return string(v), true
	}
	return p.c.GetQuery(name)
}

// jsonParam reports whether a parameter's value is JSON (a key).
func jsonParam(name string) bool {
	switch name {
	case "key", "keys", "startkey", "start_key", "endkey", "end_key":
		return true
	}
	return false
}

func (p viewParams) first(names ...string) (string, bool) {
	for _, n := range names {
		if v, ok := p.get(n); ok {
			return v, true
		}
	}
	return "", false
}

func (p viewParams) boolean(name string, def bool) (bool, error) {
	v, ok := p.get(name)
	if !ok || v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, queryParseError("Invalid boolean parameter: " + name + "=" + strconv.Quote(v))
	}
	return b, nil
}

func (p viewParams) integer(name string, def int) (int, error) {
	v, ok := p.get(name)
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, queryParseError("Invalid value for integer: " + name + "=" + strconv.Quote(v))
	}
	return n, nil
}

func (p viewParams) jsonValue(names ...string) (any, bool, error) {
	v, ok := p.first(names...)
	if !ok {
		return nil, false, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(v)))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil || dec.More() {
		return nil, false, queryParseError("Invalid JSON for " + names[0] + ": " + strconv.Quote(v))
	}
	return out, true, nil
}

func queryParseError(reason string) error {
	return &store.Error{Kind: store.ErrBadRequest, Code: "query_parse_error", Reason: reason}
}

// parseViewQuery reads the options of a view query.
func (h *Handler) parseViewQuery(c *gin.Context) (store.JSViewQuery, bool, error) {
	q := store.JSViewQuery{InclusiveEnd: true, Limit: -1}
	p := viewParams{c: c}
	if c.Request.Method == http.MethodPost {
		raw, err := body(c, h.limit())
		if err != nil {
			return q, false, err
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			if err := json.Unmarshal(raw, &p.body); err != nil {
				return q, false, store.BadRequest("invalid JSON body: %v", err)
			}
		}
	}
	var err error
	var key any
	var hasKey bool
	if key, hasKey, err = p.jsonValue("key"); err != nil {
		return q, false, err
	}
	if q.StartKey, q.HasStart, err = p.jsonValue("startkey", "start_key"); err != nil {
		return q, false, err
	}
	if q.EndKey, q.HasEnd, err = p.jsonValue("endkey", "end_key"); err != nil {
		return q, false, err
	}
	if keys, ok, err := p.jsonValue("keys"); err != nil {
		return q, false, err
	} else if ok {
		list, isList := keys.([]any)
		if !isList {
			return q, false, queryParseError("`keys` must be an array")
		}
		q.Keys, q.HasKeys = list, true
	}
	if q.HasKeys && (hasKey || q.HasStart || q.HasEnd) {
		return q, false, queryParseError("`keys` is incompatible with `key`, `start_key` and `end_key`")
	}
	if hasKey {
		q.StartKey, q.EndKey, q.HasStart, q.HasEnd = key, key, true, true
	}
	q.StartDocID, _ = p.first("startkey_docid", "start_key_doc_id")
	q.EndDocID, _ = p.first("endkey_docid", "end_key_doc_id")
	if q.InclusiveEnd, err = p.boolean("inclusive_end", true); err != nil {
		return q, false, err
	}
	if q.Descending, err = p.boolean("descending", false); err != nil {
		return q, false, err
	}
	if _, ok := p.get("limit"); ok {
		if q.Limit, err = p.integer("limit", -1); err != nil {
			return q, false, err
		}
	}
	if q.Skip, err = p.integer("skip", 0); err != nil {
		return q, false, err
	}
	if q.IncludeDocs, err = p.boolean("include_docs", false); err != nil {
		return q, false, err
	}
	if _, ok := p.get("reduce"); ok {
		r, err := p.boolean("reduce", true)
		if err != nil {
			return q, false, err
		}
		q.Reduce = &r
	}
	if q.Group, err = p.boolean("group", false); err != nil {
		return q, false, err
	}
	if q.GroupLevel, err = p.integer("group_level", 0); err != nil {
		return q, false, err
	}
	updateSeq, err := p.boolean("update_seq", false)
	if err != nil {
		return q, false, err
	}
	q.Update, _ = p.get("update")
	switch stale, _ := p.get("stale"); {
	case q.Update == "" && stale == "ok":
		q.Update = "false"
	case q.Update == "" && stale == "update_after":
		q.Update = "lazy"
	}
	switch q.Update {
	case "", "true", "false", "lazy":
	default:
		return q, false, queryParseError("Invalid value for `update`: " + strconv.Quote(q.Update))
	}
	if q.HasStart && q.HasEnd && !q.HasKeys && !hasKey {
		if c := collate.Compare(q.StartKey, q.EndKey); (c > 0 && !q.Descending) || (c < 0 && q.Descending) {
			return q, false, queryParseError("No rows can match your key range, reverse your start_key and end_key or set descending=" +
				strconv.FormatBool(!q.Descending))
		}
	}
	return q, updateSeq, nil
}

// view is GET/POST /data/:doctype/_design/:ddoc/_view/:view. Design
// documents concern the whole doctype: a query needs GET on all of it.
func (h *Handler) view(c *gin.Context, doctype, ddoc, name string) error {
	if err := h.Auth.RequireData(c, permission.GET, doctype, nil); err != nil {
		return err
	}
	if h.Views == nil {
		return &store.Error{Kind: store.ErrNotSupported, Code: "not_implemented", Reason: "JavaScript views are not enabled"}
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	jv, ok := db.(store.JSViews)
	if !ok {
		return &store.Error{Kind: store.ErrNotSupported, Code: "not_implemented", Reason: "this store has no JavaScript views"}
	}
	q, updateSeq, err := h.parseViewQuery(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	w := bufio.NewWriterSize(c.Writer, 32<<10)
	rows := 0
	head := func(hd store.JSViewHead) error {
		c.Header("Content-Type", "application/json")
		c.Status(http.StatusOK)
		w.WriteString("{")
		if !hd.Reduced {
			w.WriteString(`"total_rows":` + strconv.FormatInt(hd.TotalRows, 10) + `,"offset":` + strconv.FormatInt(hd.Offset, 10) + ",")
		}
		if updateSeq {
			seq, _ := json.Marshal(seqString(hd.UpdateSeq))
			w.WriteString(`"update_seq":` + string(seq) + ",")
		}
		_, err := w.WriteString(`"rows":[`)
		return err
	}
	row := func(r store.JSViewRow) error {
		if rows > 0 {
			w.WriteByte(',')
		}
		rows++
		w.WriteString("\r\n{")
		if r.ID != "" || !isReduced(r) {
			id, _ := json.Marshal(r.ID)
			w.WriteString(`"id":`)
			w.Write(id)
			w.WriteByte(',')
		}
		w.WriteString(`"key":`)
		w.Write(r.Key)
		w.WriteString(`,"value":`)
		w.Write(r.Value)
		if r.Doc != nil {
			w.WriteString(`,"doc":`)
			w.Write(r.Doc)
		}
		_, err := w.WriteString("}")
		return err
	}
	started := false
	err = jv.QueryJSView(ctx, h.Views, ddoc, name, q, func(hd store.JSViewHead) error {
		started = true
		return head(hd)
	}, row)
	if err != nil {
		if !started {
			return err
		}
		// The status is sent: the answer is cut short, as CouchDB's.
		h.Log.WarnContext(ctx, "view answer cut short", "doctype", doctype, "ddoc", ddoc, "view", name, "err", err)
		_ = w.Flush()
		return nil
	}
	w.WriteString("\r\n]}\n")
	_ = w.Flush()
	return nil
}

// isReduced reports whether a row is a reduce row (no id).
func isReduced(r store.JSViewRow) bool { return r.ID == "" && r.Doc == nil }
