package data

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/gin-gonic/gin"
)

// dbInfo is GET /data/:doctype/: the CouchDB database information PouchDB
// reads before replicating.
func (h *Handler) dbInfo(c *gin.Context, doctype string) {
	if !h.Auth.AllowData(c, permission.GET, doctype, nil) {
		return
	}
	db, ok := h.db(c, doctype)
	if !ok {
		return
	}
	info, err := db.Info(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{
		"db_name":             doctype,
		"doc_count":           info.DocCount,
		"doc_del_count":       info.DocDelCount,
		"update_seq":          seqString(info.UpdateSeq),
		"purge_seq":           "0",
		"compact_running":     false,
		"disk_format_version": 8,
		"instance_start_time": "0",
		"sizes":               gin.H{"file": 0, "external": 0, "active": 0},
		"props":               gin.H{},
	})
}

// dbCreate is PUT /data/:doctype/: creating the database (PouchDB does it
// unless skip_setup).
func (h *Handler) dbCreate(c *gin.Context, doctype string) {
	if !h.Auth.AllowData(c, permission.POST, doctype, nil) {
		return
	}
	db, ok := h.db(c, doctype)
	if !ok {
		return
	}
	if err := db.Create(c.Request.Context()); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"ok": true})
}

// dbDestroy is DELETE /data/:doctype/: needs DELETE on the whole doctype.
func (h *Handler) dbDestroy(c *gin.Context, doctype string) {
	if !h.Auth.AllowData(c, permission.DELETE, doctype, nil) {
		return
	}
	db, ok := h.db(c, doctype)
	if !ok {
		return
	}
	if err := db.Destroy(c.Request.Context()); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"ok": true, "deleted": true})
}

// decodeBody decodes a JSON request body into v.
func (h *Handler) decodeBody(c *gin.Context, v any) bool {
	raw, ok := h.readBody(c)
	if !ok {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		badRequest(c, "invalid JSON body: %v", err)
		return false
	}
	if dec.More() {
		badRequest(c, "invalid JSON body: trailing data")
		return false
	}
	return true
}

// revsDiff is POST /data/:doctype/_revs_diff.
func (h *Handler) revsDiff(c *gin.Context, doctype string) {
	if !h.Auth.AllowData(c, permission.GET, doctype, nil) {
		return
	}
	var req map[string][]string
	if !h.decodeBody(c, &req) {
		return
	}
	db, ok := h.db(c, doctype)
	if !ok {
		return
	}
	res, err := db.RevsDiff(c.Request.Context(), req)
	if err != nil {
		fail(c, err)
		return
	}
	if res == nil {
		res = map[string]store.RevsDiffResult{}
	}
	c.JSON(http.StatusOK, res)
}

// bulkGet is POST /data/:doctype/_bulk_get (revs, latest).
func (h *Handler) bulkGet(c *gin.Context, doctype string) {
	if !h.Auth.AllowData(c, permission.GET, doctype, nil) {
		return
	}
	revs, err := boolParam(c, "revs")
	if err != nil {
		fail(c, err)
		return
	}
	latest, err := boolParam(c, "latest")
	if err != nil {
		fail(c, err)
		return
	}
	var req struct {
		Docs []store.BulkGetRequest `json:"docs"`
	}
	if !h.decodeBody(c, &req) {
		return
	}
	db, ok := h.db(c, doctype)
	if !ok {
		return
	}
	res, err := db.BulkGet(c.Request.Context(), req.Docs, revs, latest)
	if err != nil {
		fail(c, err)
		return
	}
	results := make([]gin.H, 0, len(res))
	for _, r := range res {
		docs := make([]gin.H, 0, len(r.Docs)+1)
		if r.Err != nil {
			se := store.AsError(r.Err)
			docs = append(docs, gin.H{"error": gin.H{"id": r.ID, "rev": r.Rev, "error": se.Code, "reason": se.Reason}})
		}
		for _, d := range r.Docs {
			if d.OK != nil {
				docs = append(docs, gin.H{"ok": d.OK.Body})
			} else {
				docs = append(docs, gin.H{"error": gin.H{"id": r.ID, "rev": d.Missing, "error": "not_found", "reason": "missing"}})
			}
		}
		results = append(results, gin.H{"id": r.ID, "docs": docs})
	}
	c.JSON(http.StatusOK, gin.H{"results": results})
}

// bulkDocs is POST /data/:doctype/_bulk_docs. It needs POST on the whole,
// writable doctype (as upstream). Each document gets its own result; with
// new_edits=false only failures are listed, as CouchDB does.
func (h *Handler) bulkDocs(c *gin.Context, doctype string) {
	if !h.Auth.AllowData(c, permission.POST, doctype, nil) {
		return
	}
	var req struct {
		Docs     []json.RawMessage `json:"docs"`
		NewEdits *bool             `json:"new_edits"`
	}
	if !h.decodeBody(c, &req) {
		return
	}
	if req.Docs == nil {
		badRequest(c, "POST body must include a `docs` parameter")
		return
	}
	newEdits := req.NewEdits == nil || *req.NewEdits
	db, ok := h.db(c, doctype)
	if !ok {
		return
	}
	res, err := db.BulkDocs(c.Request.Context(), req.Docs, newEdits)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]gin.H, 0, len(res))
	for _, r := range res {
		if r.Err != nil {
			se := store.AsError(r.Err)
			out = append(out, gin.H{"id": r.ID, "error": se.Code, "reason": se.Reason})
			continue
		}
		if newEdits {
			out = append(out, gin.H{"ok": true, "id": r.ID, "rev": r.Rev})
		}
	}
	c.JSON(http.StatusCreated, out)
}

// ensureFullCommit is POST /data/:doctype/_ensure_full_commit: writes are
// durable when acknowledged, so it only answers.
func (h *Handler) ensureFullCommit(c *gin.Context, doctype string) {
	if !h.Auth.AllowData(c, permission.GET, doctype, nil) {
		return
	}
	c.JSON(http.StatusCreated, gin.H{"ok": true, "instance_start_time": "0"})
}
