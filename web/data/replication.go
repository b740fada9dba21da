package data

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// dbInfo is GET /data/:doctype/: the CouchDB database information PouchDB
// reads before replicating.
func (h *Handler) dbInfo(c *gin.Context, doctype string) error {
	if err := h.Auth.RequireData(c, permission.GET, doctype, nil); err != nil {
		return err
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	info, err := db.Info(c.Request.Context())
	if err != nil {
		return err
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
	return nil
}

// dbCreate is PUT /data/:doctype/: creating the database (PouchDB does it
// unless skip_setup).
func (h *Handler) dbCreate(c *gin.Context, doctype string) error {
	if err := h.Auth.RequireData(c, permission.POST, doctype, nil); err != nil {
		return err
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	if err := db.Create(c.Request.Context()); err != nil {
		return err
	}
	c.JSON(http.StatusCreated, gin.H{"ok": true})
	return nil
}

// dbDestroy is DELETE /data/:doctype/: needs DELETE on the whole doctype.
func (h *Handler) dbDestroy(c *gin.Context, doctype string) error {
	if err := h.Auth.RequireData(c, permission.DELETE, doctype, nil); err != nil {
		return err
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	if err := db.Destroy(c.Request.Context()); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"ok": true, "deleted": true})
	return nil
}

// revsDiff is POST /data/:doctype/_revs_diff.
func (h *Handler) revsDiff(c *gin.Context, doctype string) error {
	if err := h.Auth.RequireData(c, permission.GET, doctype, nil); err != nil {
		return err
	}
	var req map[string][]string
	if err := h.decodeBody(c, &req); err != nil {
		return err
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	res, err := db.RevsDiff(c.Request.Context(), req)
	if err != nil {
		return err
	}
	if res == nil {
		res = map[string]store.RevsDiffResult{}
	}
	c.JSON(http.StatusOK, res)
	return nil
}

// bulkGet is POST /data/:doctype/_bulk_get (revs, latest), at most
// MaxBulkGet documents. It needs GET on the whole doctype; each revision
// is still checked as open_revs does.
func (h *Handler) bulkGet(c *gin.Context, doctype string) error {
	if err := h.Auth.RequireData(c, permission.GET, doctype, nil); err != nil {
		return err
	}
	var revs, latest, atts bool
	if err := boolParams(c, map[string]*bool{"revs": &revs, "latest": &latest, "attachments": &atts}); err != nil {
		return err
	}
	raw, err := body(c, h.limit())
	if err != nil {
		return err
	}
	req, err := decodeBulk(raw, MaxBulkGet, "max_bulk_get_count_exceeded")
	if err != nil {
		return err
	}
	reqs := make([]store.BulkGetRequest, len(req.docs))
	since := make([]inlineOptions, len(req.docs))
	anySince := false
	for i, d := range req.docs {
		var r struct {
			store.BulkGetRequest
			AttsSince []string `json:"atts_since"`
		}
		if err := json.Unmarshal(d, &r); err != nil {
			return store.BadRequest("invalid JSON body: %v", err)
		}
		reqs[i] = r.BulkGetRequest
		since[i] = inlineOptions{all: atts, attsSince: r.AttsSince}
		anySince = anySince || len(r.AttsSince) > 0
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	res, err := db.BulkGet(ctx, reqs, revs || anySince, latest)
	if err != nil {
		return err
	}
	for i := range res {
		for _, d := range res[i].Docs {
			if d.OK == nil {
				continue
			}
			if d.OK.Body, err = inline(ctx, db, d.OK.Body, since[i], revs); err != nil {
				return err
			}
		}
	}
	readable, err := h.readable(c, doctype)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"results": bulkGetJSON(res, readable)})
	return nil
}

// bulkGetJSON renders _bulk_get results as CouchDB does; a revision that
// is not readable is answered as a missing one.
func bulkGetJSON(res []store.BulkGetResult, readable func(json.RawMessage) bool) []gin.H {
	results := make([]gin.H, 0, len(res))
	for _, r := range res {
		docs := make([]gin.H, 0, len(r.Docs)+1)
		if r.Err != nil {
			se := store.AsError(r.Err)
			docs = append(docs, gin.H{"error": gin.H{"id": r.ID, "rev": r.Rev, "error": se.Code, "reason": se.Reason}})
		}
		for _, d := range r.Docs {
			rev := d.Missing
			if d.OK != nil {
				if readable(d.OK.Body) {
					docs = append(docs, gin.H{"ok": d.OK.Body})
					continue
				}
				rev = d.OK.Rev
			}
			docs = append(docs, gin.H{"error": gin.H{"id": r.ID, "rev": rev, "error": "not_found", "reason": "missing"}})
		}
		results = append(results, gin.H{"id": r.ID, "docs": docs})
	}
	return results
}

// bulkDocs is POST /data/:doctype/_bulk_docs, at most MaxBulkDocs
// documents. It needs POST on the whole, writable doctype (as upstream).
// Each document gets its own result; with new_edits=false only failures
// are listed, as CouchDB does.
func (h *Handler) bulkDocs(c *gin.Context, doctype string) error {
	if err := h.Auth.RequireData(c, permission.POST, doctype, nil); err != nil {
		return err
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	var req bulkRequest
	var staged []map[string]store.Staged
	if c.Request.ContentLength > h.limit() { // attachments inline: streamed
		limit := h.attachmentLimit()
		if c.Request.ContentLength > limit {
			return request.TooLarge(limit)
		}
		request.Limit(c, limit)
		sb, err := readBulkStream(c.Request.Context(), db, c.Request.Body, h.limit())
		defer sb.release()
		if errors.Is(err, errSyntax) {
			return store.BadRequest("invalid JSON body: %v", err)
		}
		if err != nil {
			return bodyErr(err)
		}
		req = bulkRequest{docs: sb.docs, hasDocs: sb.hasDocs, newEdits: sb.newEdits}
		staged = sb.staged
	} else {
		raw, err := body(c, h.limit())
		if err != nil {
			return err
		}
		if req, err = decodeBulk(raw, MaxBulkDocs, "max_bulk_docs_count_exceeded"); err != nil {
			return err
		}
	}
	if !req.hasDocs {
		return store.BadRequest("POST body must include a `docs` parameter")
	}
	newEdits := req.newEdits == nil || *req.newEdits
	res, err := db.BulkDocsStaged(c.Request.Context(), req.docs, staged, newEdits)
	if err != nil {
		return err
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
	return nil
}

// ensureFullCommit is POST /data/:doctype/_ensure_full_commit: writes are
// durable when acknowledged, so it only answers.
func (h *Handler) ensureFullCommit(c *gin.Context, doctype string) error {
	if err := h.Auth.RequireData(c, permission.GET, doctype, nil); err != nil {
		return err
	}
	c.JSON(http.StatusCreated, gin.H{"ok": true, "instance_start_time": "0"})
	return nil
}
