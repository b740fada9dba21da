package files

import (
	"encoding/json"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/cozypi/cozy/pkg/mango"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// changes handles GET /files/_changes: since, limit, include_docs, fields,
// include_file_path, skip_deleted and skip_trashed.
func (h *Handler) changes(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	if !h.auth.AllowWhole(c, permission.GET, vfs.Doctype) {
		return
	}
	for k := range c.Request.URL.Query() {
		switch k {
		case "since", "limit", "include_docs", "fields", "include_file_path", "skip_deleted", "skip_trashed", "bearer_token":
		default:
			httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "Unsupported query parameter '"+k+"'"))
			return
		}
	}
	var opts store.ChangesOptions
	if s := strings.Trim(c.Query("since"), `"`); s != "" && s != "0" {
		if i := strings.IndexByte(s, '-'); i > 0 {
			s = s[:i]
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "invalid since"))
			return
		}
		opts.Since = n
	}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "invalid limit"))
			return
		}
		opts.Limit = n
	}
	withPath := c.Query("include_file_path") == "true"
	skipDeleted, skipTrashed := c.Query("skip_deleted") == "true", c.Query("skip_trashed") == "true"
	opts.IncludeDocs = c.Query("include_docs") == "true" || withPath || skipTrashed
	var fields []string
	if f := c.Query("fields"); f != "" {
		fields = strings.Split(f, ",")
	}
	ctx := c.Request.Context()
	// An OAuth client (a desktop) does not see the directories it does not
	// synchronize: what is inside them is sent as deleted.
	var excluded []string
	if p, err := h.auth.Permission(c); err == nil && p.Type == permission.TypeOAuth {
		client := strings.TrimPrefix(p.SourceID, "io.cozy.oauth.clients/")
		if excluded, err = fs.NotSynchronizedDirs(ctx, client); err != nil {
			fail(c, err)
			return
		}
	}
	if len(excluded) > 0 {
		opts.IncludeDocs, withPath = true, true
	}
	res, err := fs.Changes(ctx, opts)
	if err != nil {
		fail(c, err)
		return
	}
	type changeRev struct {
		Rev string `json:"rev"`
	}
	type row struct {
		ID      string         `json:"id"`
		Seq     string         `json:"seq"`
		Deleted bool           `json:"deleted,omitempty"`
		Changes []changeRev    `json:"changes"`
		Doc     map[string]any `json:"doc,omitempty"`
	}
	docs := make([]map[string]any, len(res.Results))
	var dirIDs []string
	for i, ch := range res.Results {
		if ch.Doc != nil {
			var m map[string]any
			if json.Unmarshal(ch.Doc, &m) == nil {
				docs[i] = m
				if m["type"] == vfs.TypeFile {
					id, _ := m["dir_id"].(string)
					dirIDs = append(dirIDs, id)
				}
			}
		}
	}
	var paths map[string]string
	if withPath {
		if paths, err = fs.DirPaths(ctx, dirIDs); err != nil {
			fail(c, err)
			return
		}
	}
	rows := make([]row, 0, len(res.Results))
	for i, ch := range res.Results {
		if skipDeleted && ch.Deleted {
			continue
		}
		doc := docs[i]
		if skipTrashed && doc != nil && doc["trashed"] == true {
			continue
		}
		if doc != nil {
			delete(doc, "internal_vfs_id")
			if withPath && doc["type"] == vfs.TypeFile {
				dir, _ := doc["dir_id"].(string)
				name, _ := doc["name"].(string)
				if p, ok := paths[dir]; ok {
					doc["path"] = path.Join(p, name)
				}
			}
			if fields != nil && !ch.Deleted {
				proj := map[string]any{}
				for _, f := range fields {
					if v, ok := doc[f]; ok {
						proj[f] = v
					}
				}
				if withPath {
					if v, ok := doc["path"]; ok {
						proj["path"] = v
					}
				}
				doc = proj
			}
		}
		if doc != nil && len(excluded) > 0 && !ch.Deleted {
			if p, _ := docs[i]["path"].(string); p != "" && underAny(p, excluded) {
				rev := ""
				if len(ch.Revs) > 0 {
					rev = ch.Revs[0]
				}
				r := row{ID: ch.ID, Seq: strconv.FormatUint(ch.Seq, 10), Deleted: true, Changes: []changeRev{{Rev: rev}}}
				if c.Query("include_docs") == "true" {
					r.Doc = map[string]any{"_id": ch.ID, "_rev": rev, "_deleted": true}
				}
				rows = append(rows, r)
				continue
			}
		}
		r := row{ID: ch.ID, Seq: strconv.FormatUint(ch.Seq, 10), Deleted: ch.Deleted}
		for _, rev := range ch.Revs {
			r.Changes = append(r.Changes, changeRev{Rev: rev})
		}
		if opts.IncludeDocs && (c.Query("include_docs") == "true") {
			r.Doc = doc
		}
		rows = append(rows, r)
	}
	c.JSON(http.StatusOK, gin.H{"results": rows, "last_seq": strconv.FormatUint(res.LastSeq, 10), "pending": res.Pending})
}

// underAny reports whether p is one of dirs or inside one of them.
func underAny(p string, dirs []string) bool {
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// find handles POST /files/_find: a mango query answered as JSON:API.
func (h *Handler) find(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	if !h.auth.AllowWhole(c, permission.GET, vfs.Doctype) {
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20))
	if err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "cannot read the body"))
		return
	}
	q, err := mango.ParseQuery(raw)
	if err != nil {
		httperr.JSONAPI(c, httperr.Wrap(http.StatusBadRequest, err))
		return
	}
	if cur := c.Query("page[cursor]"); cur != "" && q.Bookmark == "" {
		q.Bookmark = cur
	}
	res, err := fs.DB().Find(c.Request.Context(), q)
	if err != nil {
		fail(c, err)
		return
	}
	list, err := decodeFiles(res.Docs)
	if err != nil {
		fail(c, err)
		return
	}
	objs, err := h.objectsWithPath(c, fs, list)
	if err != nil {
		fail(c, err)
		return
	}
	meta := gin.H{"count": len(objs)}
	if res.ExecutionStats != nil {
		meta["execution_stats"] = res.ExecutionStats
	}
	doc := gin.H{"data": objs, "meta": meta}
	if q.Limit > 0 && len(res.Docs) >= q.Limit && res.Bookmark != "" {
		doc["links"] = gin.H{"next": "/files/_find?page[cursor]=" + res.Bookmark}
	}
	writeJSON(c, http.StatusOK, doc)
}

// allDocs handles POST /files/_all_docs with {"keys": [...]}.
func (h *Handler) allDocs(c *gin.Context) {
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	if !h.auth.AllowWhole(c, permission.GET, vfs.Doctype) {
		return
	}
	var body struct {
		Keys []string `json:"keys"`
	}
	if c.Request.ContentLength != 0 {
		if err := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)).Decode(&body); err != nil && err != io.EOF {
			httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "invalid body: "+err.Error()))
			return
		}
	}
	opts := store.AllDocsOptions{Keys: body.Keys, IncludeDocs: true, InclusiveEnd: true, ExcludeDesignDocs: true}
	if s := c.Query("limit"); s != "" && body.Keys == nil {
		opts.Limit, _ = strconv.Atoi(s)
	}
	res, err := fs.DB().AllDocs(c.Request.Context(), opts)
	if err != nil {
		fail(c, err)
		return
	}
	var raws []json.RawMessage
	for _, row := range res.Rows {
		if row.Doc != nil && !row.Deleted && row.Err == nil {
			raws = append(raws, row.Doc)
		}
	}
	list, err := decodeFiles(raws)
	if err != nil {
		fail(c, err)
		return
	}
	objs, err := h.objectsWithPath(c, fs, list)
	if err != nil {
		fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"data": objs, "meta": gin.H{"count": len(objs)}})
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

// objectsWithPath renders files as JSON:API resources, with a path for
// files too, as upstream does for _find and _all_docs.
func (h *Handler) objectsWithPath(c *gin.Context, fs *vfs.FS, list []*vfs.File) ([]object, error) {
	var dirIDs []string
	for _, f := range list {
		if !f.IsDir() {
			dirIDs = append(dirIDs, f.DirID)
		}
	}
	paths, err := fs.DirPaths(c.Request.Context(), dirIDs)
	if err != nil {
		return nil, err
	}
	out := make([]object, 0, len(list))
	for _, f := range list {
		o, err := toObject(c, f)
		if err != nil {
			return nil, err
		}
		if p, ok := paths[f.DirID]; ok && !f.IsDir() {
			o.Attributes.Path = path.Join(p, f.Name)
		}
		out = append(out, o)
	}
	return out, nil
}
