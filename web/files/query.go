package files

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cozypi/cozy/pkg/mango"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// changes handles GET /files/_changes: since, limit, include_docs, fields,
// include_file_path, skip_deleted and skip_trashed. What the feed holds
// for a synchronizing client is vfs.SyncChanges's.
func (h *Handler) changes(c *gin.Context) error {
	fs, _, err := h.fs(c)
	if err != nil {
		return err
	}
	if err := h.auth.RequireWhole(c, permission.GET, vfs.Doctype); err != nil {
		return err
	}
	opts, err := syncOptions(c)
	if err != nil {
		return err
	}
	// An OAuth client (a desktop) does not see the directories it does not
	// synchronize.
	if p, err := h.auth.Permission(c); err == nil && p.Type == permission.TypeOAuth {
		opts.Client = strings.TrimPrefix(p.SourceID, "io.cozy.oauth.clients/")
	}
	feed, err := fs.SyncChanges(c.Request.Context(), opts)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, feed)
	return nil
}

// syncOptions reads the query parameters of _changes.
func syncOptions(c *gin.Context) (vfs.SyncOptions, error) {
	var opts vfs.SyncOptions
	for k := range c.Request.URL.Query() {
		switch k {
		case "since", "limit", "include_docs", "fields", "include_file_path", "skip_deleted", "skip_trashed", "bearer_token":
		default:
			return opts, httperr.BadRequest("Unsupported query parameter '" + k + "'")
		}
	}
	if s := strings.Trim(c.Query("since"), `"`); s != "" && s != "0" {
		if i := strings.IndexByte(s, '-'); i > 0 {
			s = s[:i]
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return opts, httperr.BadRequest("invalid since")
		}
		opts.Since = n
	}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return opts, httperr.BadRequest("invalid limit")
		}
		opts.Limit = n
	}
	opts.IncludeDocs = c.Query("include_docs") == "true"
	opts.WithPath = c.Query("include_file_path") == "true"
	opts.SkipDeleted, opts.SkipTrashed = c.Query("skip_deleted") == "true", c.Query("skip_trashed") == "true"
	if f := c.Query("fields"); f != "" {
		opts.Fields = strings.Split(f, ",")
	}
	return opts, nil
}

// find handles POST /files/_find: a mango query answered as JSON:API.
func (h *Handler) find(c *gin.Context) error {
	fs, inst, err := h.fs(c)
	if err != nil {
		return err
	}
	if err := h.auth.RequireWhole(c, permission.GET, vfs.Doctype); err != nil {
		return err
	}
	raw, err := request.Body(c, request.JSONBody)
	if err != nil {
		return err
	}
	q, err := mango.ParseQuery(raw) // errors wrap mango.ErrBadQuery: 400
	if err != nil {
		return err
	}
	if cur := c.Query("page[cursor]"); cur != "" && q.Bookmark == "" {
		q.Bookmark = cur
	}
	res, err := fs.DB().Find(c.Request.Context(), q)
	if err != nil {
		return err
	}
	list, err := decodeFiles(res.Docs)
	if err != nil {
		return err
	}
	paths, err := filePaths(c, fs, list)
	if err != nil {
		return err
	}
	more, err := moreAfter(c, fs, q, res)
	if err != nil {
		return err
	}
	// The count says whether more exist, as upstream's: a number larger than
	// any page when they do (the real total is unknown without reading them
	// all), skip plus this page when this is the last one. cozy-stack-client
	// asks for the next page while count > skip + len(data).
	count := q.Skip + len(list)
	if more {
		count = math.MaxInt32 - 1
	}
	doc := jsonapi.Document{Data: toObjects(inst.TokenSecret, list, paths), Meta: map[string]any{"count": count}}
	if res.ExecutionStats != nil {
		doc.Meta["execution_stats"] = res.ExecutionStats
	}
	if more {
		doc.Links = map[string]any{"next": "/files/_find?page[cursor]=" + url.QueryEscape(res.Bookmark)}
	}
	return jsonapi.Write(c, http.StatusOK, doc)
}

// moreAfter tells whether q matches a document after the full page res: a
// query of one document from res's bookmark. It reads at most what asking
// for limit+1 documents would, and keeps the bookmark pointing after the
// last document returned.
func moreAfter(c *gin.Context, fs *vfs.FS, q mango.Query, res store.FindResult) (bool, error) {
	if q.Limit <= 0 || len(res.Docs) < q.Limit || res.Bookmark == "" {
		return false, nil
	}
	probe := q
	probe.Bookmark, probe.Limit, probe.Skip = res.Bookmark, 1, 0
	probe.Fields, probe.ExecutionStats = []string{"_id"}, false
	next, err := fs.DB().Find(c.Request.Context(), probe)
	if err != nil {
		return false, err
	}
	return len(next.Docs) > 0, nil
}

// allDocs handles POST /files/_all_docs with {"keys": [...]}.
func (h *Handler) allDocs(c *gin.Context) error {
	fs, inst, err := h.fs(c)
	if err != nil {
		return err
	}
	if err := h.auth.RequireWhole(c, permission.GET, vfs.Doctype); err != nil {
		return err
	}
	var body struct {
		Keys []string `json:"keys"`
	}
	if c.Request.ContentLength != 0 {
		raw, err := request.Body(c, request.JSONBody)
		if err != nil {
			return err
		}
		if len(raw) > 0 {
			if err := request.Decode(raw, &body); err != nil {
				return err
			}
		}
	}
	opts := store.AllDocsOptions{Keys: body.Keys, IncludeDocs: true, InclusiveEnd: true, ExcludeDesignDocs: true}
	if s := c.Query("limit"); s != "" && body.Keys == nil {
		opts.Limit, _ = strconv.Atoi(s)
	}
	res, err := fs.DB().AllDocs(c.Request.Context(), opts)
	if err != nil {
		return err
	}
	var raws []json.RawMessage
	for _, row := range res.Rows {
		if row.Doc != nil && !row.Deleted && row.Err == nil {
			raws = append(raws, row.Doc)
		}
	}
	list, err := decodeFiles(raws)
	if err != nil {
		return err
	}
	paths, err := filePaths(c, fs, list)
	if err != nil {
		return err
	}
	return jsonapi.List(c, http.StatusOK, toObjects(inst.TokenSecret, list, paths), len(list), "")
}

func decodeFiles(raws []json.RawMessage) ([]*vfs.File, error) {
	out := make([]*vfs.File, 0, len(raws))
	for _, raw := range raws {
		f := new(vfs.File)
		if err := json.Unmarshal(raw, f); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// filePaths returns the paths of the parent directories of the files of
// list, to give files their path as upstream does in _find and _all_docs.
func filePaths(c *gin.Context, fs *vfs.FS, list []*vfs.File) (map[string]string, error) {
	var dirIDs []string
	for _, f := range list {
		if !f.IsDir() {
			dirIDs = append(dirIDs, f.DirID)
		}
	}
	return fs.DirPaths(c.Request.Context(), dirIDs)
}
