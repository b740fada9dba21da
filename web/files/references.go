package files

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// maxRefsBody bounds the body of a bulk references request (about 10k ids).
const maxRefsBody = 1 << 20

// References serves /data/:doctype/:id/relationships/references (the data
// area hands these paths over): GET lists the files referencing the
// document, POST and DELETE add or remove the references of files to it.
// As upstream, the permission on the document (GET, PUT or DELETE) is
// enough, or else the whole io.cozy.files doctype (GET, or PATCH to write).
func (h *Handler) References(c *gin.Context, doctype, id string) {
	var verb, filesVerb permission.Verb
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead:
		verb, filesVerb = permission.GET, permission.GET
	case http.MethodPost:
		verb, filesVerb = permission.PUT, permission.PATCH
	case http.MethodDelete:
		verb, filesVerb = permission.DELETE, permission.PATCH
	default:
		httperr.JSONAPI(c, httperr.New(http.StatusMethodNotAllowed, "method not allowed"))
		return
	}
	p, err := h.auth.Permission(c)
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	if err := permission.ValidateDoctype(doctype); err != nil {
		httperr.JSONAPI(c, httperr.Wrap(http.StatusBadRequest, err))
		return
	}
	if err := permission.CheckDataID(p, verb, doctype, id); err != nil {
		if p.Allow(filesVerb, vfs.Doctype) != nil {
			httperr.JSONAPI(c, err)
			return
		}
	}
	fs, _, ok := h.fs(c)
	if !ok {
		return
	}
	doc := vfs.Reference{Type: doctype, ID: id}
	if verb == permission.GET {
		h.listReferences(c, fs, p, doc)
		return
	}
	var body struct {
		Data []ref `json:"data"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, maxRefsBody)).Decode(&body); err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "invalid JSON:API body: "+err.Error()))
		return
	}
	ids := make([]string, 0, len(body.Data))
	for _, r := range body.Data {
		if r.Type != "" && r.Type != vfs.Doctype || r.ID == "" {
			httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "the data must be io.cozy.files identifiers"))
			return
		}
		ids = append(ids, r.ID)
	}
	if verb == permission.PUT {
		err = fs.AddReferencesTo(c.Request.Context(), doc, ids)
	} else {
		err = fs.RemoveReferencesTo(c.Request.Context(), doc, ids)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// listReferences writes a page of the files referencing doc.
func (h *Handler) listReferences(c *gin.Context, fs *vfs.FS, p *permission.Permission, doc vfs.Reference) {
	opts := vfs.RefsOptions{Cursor: c.Query("page[cursor]")}
	for name, dst := range map[string]*int{"page[limit]": &opts.Limit, "page[skip]": &opts.Skip} {
		if v := c.Query(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "invalid "+name))
				return
			}
			*dst = n
		}
	}
	switch sort := c.Query("sort"); sort {
	case "", "id":
	case "datetime":
		opts.ByDatetime = true
	default:
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "invalid sort: "+sort))
		return
	}
	page, err := fs.ReferencesTo(c.Request.Context(), doc, opts)
	if err != nil {
		if errors.Is(err, vfs.ErrInvalidCursor) {
			httperr.JSONAPI(c, httperr.Wrap(http.StatusBadRequest, err))
			return
		}
		fail(c, err)
		return
	}
	data := make([]ref, 0, len(page.IDs))
	for _, id := range page.IDs {
		data = append(data, ref{Type: vfs.Doctype, ID: id})
	}
	out := gin.H{"data": data, "meta": gin.H{"count": page.Total}}
	if page.Next != "" {
		q := url.Values{}
		limit := opts.Limit
		if limit <= 0 {
			limit = vfs.DefaultRefsPerPage
		}
		limit = min(limit, vfs.MaxRefsPerPage)
		q.Set("page[limit]", strconv.Itoa(limit))
		if c.Query("page[skip]") != "" && opts.Cursor == "" {
			q.Set("page[skip]", strconv.Itoa(opts.Skip+limit))
		} else {
			q.Set("page[cursor]", page.Next)
		}
		for _, k := range []string{"sort", "include"} {
			if v := c.Query(k); v != "" {
				q.Set(k, v)
			}
		}
		out["links"] = gin.H{"next": "/data/" + url.PathEscape(doc.Type) + "/" + url.PathEscape(doc.ID) +
			"/relationships/references?" + q.Encode()}
	}
	if c.Query("include") == "files" {
		included, err := h.includedFiles(c, fs, p, page.IDs)
		if err != nil {
			fail(c, err)
			return
		}
		out["included"] = included
	}
	writeJSON(c, http.StatusOK, out)
}

// includedFiles renders the files of ids that p may read (the others are
// only listed by id); files removed meanwhile are left out.
func (h *Handler) includedFiles(c *gin.Context, fs *vfs.FS, p *permission.Permission, ids []string) ([]object, error) {
	ctx := c.Request.Context()
	var list []*vfs.File
	for _, id := range ids {
		f, err := fs.Get(ctx, id)
		if errors.Is(err, vfs.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if _, err := fs.Ancestors(ctx, f); err != nil {
			return nil, err
		}
		if p.AllowDoc(permission.GET, vfs.Doctype, f) == nil {
			list = append(list, f)
		}
	}
	objs, err := h.objectsWithPath(c, fs, list)
	if objs == nil {
		objs = []object{}
	}
	return objs, err
}
