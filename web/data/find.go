package data

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/cozypi/cozy/pkg/mango"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/gin-gonic/gin"
)

// createIndex is POST /data/:doctype/_index. Like upstream, defining an
// index needs only GET on the whole doctype: it is a read helper.
func (h *Handler) createIndex(c *gin.Context, doctype string) error {
	if err := h.Auth.RequireData(c, permission.GET, doctype, nil); err != nil {
		return err
	}
	raw, err := body(c, h.limit())
	if err != nil {
		return err
	}
	if !json.Valid(raw) {
		return store.BadRequest("invalid JSON body")
	}
	raw = legacyPartialFilter(raw)
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	res, err := db.CreateIndex(c.Request.Context(), raw)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, res)
	return nil
}

// legacyPartialFilter renames the index's "selector" (CouchDB's earlier
// name of the partial filter, still accepted by CouchDB) to
// "partial_filter_selector", so that the stored design document has the
// one current form. Bodies without it are returned unchanged.
func legacyPartialFilter(raw []byte) []byte {
	var req map[string]json.RawMessage
	if json.Unmarshal(raw, &req) != nil {
		return raw
	}
	var index map[string]json.RawMessage
	if json.Unmarshal(req["index"], &index) != nil {
		return raw
	}
	sel, ok := index["selector"]
	if !ok {
		return raw
	}
	if p, ok := index["partial_filter_selector"]; ok && string(p) != "null" {
		return raw
	}
	delete(index, "selector")
	index["partial_filter_selector"] = sel
	b, err := json.Marshal(index)
	if err != nil {
		return raw
	}
	req["index"] = b
	out, err := json.Marshal(req)
	if err != nil {
		return raw
	}
	return out
}

// listIndexes is GET /data/:doctype/_index.
func (h *Handler) listIndexes(c *gin.Context, doctype string) error {
	if err := h.Auth.RequireData(c, permission.GET, doctype, nil); err != nil {
		return err
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	list, err := db.Indexes(c.Request.Context())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"total_rows": len(list), "indexes": list})
	return nil
}

// deleteIndex is DELETE /data/:doctype/_index/:ddoc/json/:name.
// Like a design document, it needs DELETE on the whole doctype; on the
// doctypes only the server writes, a client may delete the indexes it made
// there, not the server's own (permission.CheckDataDesign).
func (h *Handler) deleteIndex(c *gin.Context, rt route) error {
	ex := rt.extra
	if len(ex) == 4 && ex[0] == "_design" {
		ex = append([]string{"_design/" + ex[1]}, ex[2:]...)
	}
	ddoc := ""
	if len(ex) > 0 {
		ddoc = store.DesignPrefix + strings.TrimPrefix(ex[0], store.DesignPrefix)
	}
	if err := h.requireDesign(c, permission.DELETE, rt.doctype, ddoc); err != nil {
		return err
	}
	if len(ex) != 3 || ex[1] != "json" {
		return errMissing
	}
	db, err := h.db(c, rt.doctype)
	if err != nil {
		return err
	}
	if err := db.DeleteIndex(c.Request.Context(), ex[0], ex[2]); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"ok": true})
	return nil
}

// find is POST /data/:doctype/_find. A query no index serves is refused
// (400 no_usable_index), as upstream does.
func (h *Handler) find(c *gin.Context, doctype string) error {
	if err := h.Auth.RequireData(c, permission.GET, doctype, nil); err != nil {
		return err
	}
	raw, err := body(c, h.limit())
	if err != nil {
		return err
	}
	q, err := mango.ParseQuery(raw)
	if err != nil {
		return store.BadRequest("%v", err)
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	// The documents are streamed; the members known at the end follow
	// them (CouchDB's order).
	s := &stream{c: c, prefix: `{"docs":[`}
	res, err := db.EachFind(c.Request.Context(), q, func(doc json.RawMessage) error { return s.row(doc) })
	if err != nil {
		return s.fail(h.Log, err)
	}
	end := `],"bookmark":` + jsonString(res.Bookmark) + `,"limit":` + strconv.Itoa(q.Limit) +
		`,"next":` + strconv.FormatBool(s.rows >= q.Limit && q.Limit > 0)
	if res.Warning != "" {
		end += `,"warning":` + jsonString(res.Warning)
	}
	if res.ExecutionStats != nil {
		b, err := json.Marshal(res.ExecutionStats)
		if err != nil {
			return s.fail(h.Log, err)
		}
		end += `,"execution_stats":` + string(b)
	}
	s.end(end + "}")
	return nil
}
