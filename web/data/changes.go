package data

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/cozypi/cozy/pkg/mango"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/gin-gonic/gin"
)

// Feed bounds.
const (
	defaultLongpollTimeout = 60 * time.Second
	maxFeedDuration        = time.Hour
)

// changesRequest is a parsed _changes request.
type changesRequest struct {
	opts      store.ChangesOptions
	feed      string
	heartbeat time.Duration
	timeout   time.Duration
	inline    inlineOptions // attachments=true with include_docs
	// filter, when set, decides for each change whether it is sent: the
	// per-row predicate of the streaming loop (see eachChange), for
	// filters the store cannot apply itself. It sees the change with its
	// winning document (Doc is set even without include_docs, and
	// dropped before the row is written unless asked); limit then counts
	// the changes it keeps.
	filter func(ctx context.Context, ch store.Change) (bool, error)
}

type changeRev struct {
	Rev string `json:"rev"`
}

type changeRow struct {
	Seq     string          `json:"seq"`
	ID      string          `json:"id"`
	Changes []changeRev     `json:"changes"`
	Deleted bool            `json:"deleted,omitempty"`
	Doc     json.RawMessage `json:"doc,omitempty"`
}

func toRow(ch store.Change) changeRow {
	revs := make([]changeRev, len(ch.Revs))
	for i, r := range ch.Revs {
		revs[i] = changeRev{Rev: r}
	}
	return changeRow{Seq: seqString(ch.Seq), ID: ch.ID, Changes: revs, Deleted: ch.Deleted, Doc: ch.Doc}
}

// msParam reads a duration in milliseconds; "true" means def.
func msParam(c *gin.Context, name string, def time.Duration) (time.Duration, bool, error) {
	v, ok := c.GetQuery(name)
	if !ok || v == "" {
		return 0, false, nil
	}
	if v == "true" {
		return def, true, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false, store.BadRequest("query parameter %s must be milliseconds, not %q", name, v)
	}
	d := time.Duration(n) * time.Millisecond
	if d > maxFeedDuration {
		d = maxFeedDuration
	}
	return d, true, nil
}

// parseChanges reads the query (and for POST the body) of _changes.
func (h *Handler) parseChanges(c *gin.Context, db store.DB) (changesRequest, error) {
	var r changesRequest
	var err error
	if r.opts.Limit, err = intParam(c, "limit", 0); err != nil {
		return r, err
	}
	if err := boolParams(c, map[string]*bool{"descending": &r.opts.Descending, "include_docs": &r.opts.IncludeDocs, "conflicts": &r.opts.Conflicts}); err != nil {
		return r, err
	}
	switch style := c.DefaultQuery("style", "main_only"); style {
	case "main_only":
	case "all_docs":
		r.opts.AllDocs = true
	default:
		return r, store.BadRequest("style must be main_only or all_docs, not %q", style)
	}
	r.feed = c.DefaultQuery("feed", "normal")
	switch r.feed {
	case "normal", "longpoll", "continuous":
	default:
		return r, store.BadRequest("feed %q is not supported (normal, longpoll or continuous)", r.feed)
	}
	var hasHB, hasTimeout bool
	if r.heartbeat, hasHB, err = msParam(c, "heartbeat", 60*time.Second); err != nil {
		return r, err
	}
	if hasHB && r.heartbeat < 100*time.Millisecond {
		r.heartbeat = 100 * time.Millisecond
	}
	if r.timeout, hasTimeout, err = msParam(c, "timeout", defaultLongpollTimeout); err != nil {
		return r, err
	}
	if !hasTimeout {
		r.timeout = defaultLongpollTimeout
		if hasHB {
			r.timeout = maxFeedDuration
		}
	}
	var filter struct {
		DocIDs   []string        `json:"doc_ids"`
		Selector json.RawMessage `json:"selector"`
	}
	if c.Request.Method == http.MethodPost {
		raw, err := body(c, h.limit())
		if err != nil {
			return r, err
		}
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &filter); err != nil {
				return r, store.BadRequest("invalid JSON body: %v", err)
			}
		}
	}
	switch name := c.Query("filter"); name {
	case "":
	case "_doc_ids":
		ids := filter.DocIDs
		if v, ok := c.GetQuery("doc_ids"); ok {
			if err := json.Unmarshal([]byte(v), &ids); err != nil {
				return r, store.BadRequest("doc_ids must be a JSON array of strings")
			}
		}
		if ids == nil {
			ids = []string{}
		}
		r.opts.DocIDs = ids
	case "_selector":
		if len(filter.Selector) == 0 {
			return r, store.BadRequest("filter=_selector needs a POST body with a \"selector\"")
		}
		sel, err := mango.ParseSelector(filter.Selector)
		if err != nil {
			return r, store.BadRequest("%v", err)
		}
		r.opts.Match = sel.Match
	default:
		if r.filter, err = h.jsChangesFilter(c, db, name); err != nil {
			return r, err
		}
	}
	if r.opts.IncludeDocs {
		if r.inline.all, err = boolParam(c, "attachments"); err != nil {
			return r, err
		}
	}
	since := c.Query("since")
	if since == "now" {
		info, err := db.Info(c.Request.Context())
		if err != nil {
			return r, err
		}
		r.opts.Since = info.UpdateSeq
	} else if r.opts.Since, err = parseSeq(since); err != nil {
		return r, err
	}
	return r, nil
}

// changes is GET/POST /data/:doctype/_changes. It needs GET on the whole
// doctype, as upstream. Every feed is streamed row by row (see stream).
func (h *Handler) changes(c *gin.Context, doctype string) error {
	if err := h.Auth.RequireData(c, permission.GET, doctype, nil); err != nil {
		return err
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	req, err := h.parseChanges(c, db)
	if err != nil {
		return err
	}
	if req.feed == "continuous" {
		return h.continuous(c, db, req)
	}
	return h.changesFeed(c, db, req)
}

// changesFeed answers feed=normal, and feed=longpoll which, when no change
// matches yet, waits for one (writing a newline every heartbeat) and then
// answers like feed=normal.
func (h *Handler) changesFeed(c *gin.Context, db store.DB, req changesRequest) error {
	ctx := c.Request.Context()
	s := &stream{c: c, prefix: `{"results":[`}
	longpoll := req.feed == "longpoll" && !req.opts.Descending
	deadline := time.Now().Add(req.timeout)
	waited := false
	for {
		res, err := eachChange(ctx, db, req, func(row changeRow) error { return s.row(row) })
		if err != nil {
			return s.fail(h.Log, err)
		}
		if s.rows == 0 && longpoll {
			if !waited {
				s.contentType = "application/json"
				c.Header("Content-Type", s.contentType)
				c.Status(http.StatusOK)
				c.Writer.WriteHeaderNow()
				c.Writer.Flush()
				waited = true
			}
			if waitSeq(ctx, c, db, res.LastSeq, req.heartbeat, deadline) {
				req.opts.Since = res.LastSeq
				continue
			}
			if ctx.Err() != nil {
				return nil
			}
		}
		end := `],"last_seq":` + jsonString(seqString(res.LastSeq)) + `,"pending":` + strconv.FormatInt(res.Pending, 10) + `}`
		if waited {
			end += "\n"
		}
		s.end(end)
		return nil
	}
}

// waitSeq waits until the database's sequence passes since, writing a
// newline every heartbeat. It returns false at the deadline or when the
// client is gone.
func waitSeq(ctx context.Context, c *gin.Context, db store.DB, since uint64, heartbeat time.Duration, deadline time.Time) bool {
	wctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- db.WaitChanges(wctx, since) }()
	var tick <-chan time.Time
	if heartbeat > 0 {
		t := time.NewTicker(heartbeat)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case err := <-done:
			return err == nil
		case <-tick:
			if _, err := c.Writer.Write([]byte("\n")); err != nil {
				cancel()
				<-done
				return false
			}
			c.Writer.Flush()
		}
	}
}

// continuous streams one change per line until limit or timeout, then
// {"last_seq"}.
func (h *Handler) continuous(c *gin.Context, db store.DB, req changesRequest) error {
	ctx := c.Request.Context()
	deadline := time.Now().Add(req.timeout)
	c.Header("Content-Type", "application/json")
	c.Status(http.StatusOK)
	c.Writer.WriteHeaderNow()
	s := &stream{c: c}
	left := req.opts.Limit
	var lastSeq uint64
	for {
		res, err := eachChange(ctx, db, req, func(row changeRow) error {
			b, err := json.Marshal(row)
			if err != nil {
				return err
			}
			if _, err := c.Writer.Write(append(b, '\n')); err != nil {
				return err
			}
			left--
			return nil
		})
		if err != nil {
			return s.fail(h.Log, err)
		}
		lastSeq = res.LastSeq
		c.Writer.Flush()
		if req.opts.Limit > 0 && left <= 0 || req.opts.Descending {
			break
		}
		if !waitSeq(ctx, c, db, res.LastSeq, req.heartbeat, deadline) {
			break
		}
		req.opts.Since = res.LastSeq
		if req.opts.Limit > 0 {
			req.opts.Limit = left
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	b, _ := json.Marshal(gin.H{"last_seq": seqString(lastSeq)})
	c.Writer.Write(append(b, '\n'))
	c.Writer.Flush()
	return nil
}

// eachChange reads the changes of req and calls fn with each row to send,
// as the store hands them over in batches: the filter (req.filter) and the
// inlining of attachments apply here, one change at a time.
func eachChange(ctx context.Context, db store.DB, req changesRequest, fn func(changeRow) error) (store.ChangesResult, error) {
	o := req.opts
	if req.filter != nil {
		o.Limit, o.IncludeDocs = 0, true // the limit counts kept changes
	}
	sent := 0
	return db.EachChange(ctx, o, func(ch store.Change) error {
		if req.filter != nil {
			keep, err := req.filter(ctx, ch)
			if err != nil || !keep {
				return err
			}
			if !req.opts.IncludeDocs {
				ch.Doc = nil
			}
		}
		if ch.Doc != nil && req.inline.active() {
			var err error
			if ch.Doc, err = inline(ctx, db, ch.Doc, req.inline, true); err != nil {
				return err
			}
		}
		if err := fn(toRow(ch)); err != nil {
			return err
		}
		if sent++; req.filter != nil && req.opts.Limit > 0 && sent >= req.opts.Limit {
			return store.ErrStop
		}
		return nil
	})
}
