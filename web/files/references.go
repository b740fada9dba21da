package files

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/vfs"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// maxRefsBody bounds the body of a bulk references request (about 10k ids).
const maxRefsBody = 1 << 20

// References serves /data/:doctype/:id/relationships/references (the data
// area hands these paths over): GET lists the files referencing the
// document, POST and DELETE add or remove the references of files to it.
// As upstream, the permission on the document (GET, PUT or DELETE) is
// enough, or else the whole io.cozy.files doctype (GET, or PATCH to write).
// Its errors are JSON:API's, as upstream's for these routes.
func (h *Handler) References(c *gin.Context, doctype, id string) {
	if err := h.docReferences(c, doctype, id); err != nil {
		if c.Writer.Written() {
			_ = c.Error(err)
			c.Abort()
			return
		}
		httperr.JSONAPI(c, err)
	}
}

func (h *Handler) docReferences(c *gin.Context, doctype, id string) error {
	p, err := h.referencesPermission(c, doctype, id)
	if err != nil {
		return err
	}
	fs, inst, err := h.fs(c)
	if err != nil {
		return err
	}
	doc := vfs.Reference{Type: doctype, ID: id}
	if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		return h.listReferences(c, fs, inst.TokenSecret, p, doc)
	}
	var body struct {
		Data []ref `json:"data"`
	}
	if err := request.JSON(c, maxRefsBody, &body); err != nil {
		return err
	}
	ids := make([]string, 0, len(body.Data))
	for _, r := range body.Data {
		if r.Type != "" && r.Type != vfs.Doctype || r.ID == "" {
			return httperr.BadRequest("the data must be io.cozy.files identifiers")
		}
		ids = append(ids, r.ID)
	}
	if c.Request.Method == http.MethodPost {
		err = fs.AddReferencesTo(c.Request.Context(), doc, ids)
	} else {
		err = fs.RemoveReferencesTo(c.Request.Context(), doc, ids)
	}
	if err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// referencesPermission checks the request on the document, or else on
// the whole io.cozy.files doctype, and returns its permission.
func (h *Handler) referencesPermission(c *gin.Context, doctype, id string) (*permission.Permission, error) {
	var verb, filesVerb permission.Verb
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead:
		verb, filesVerb = permission.GET, permission.GET
	case http.MethodPost:
		verb, filesVerb = permission.PUT, permission.PATCH
	case http.MethodDelete:
		verb, filesVerb = permission.DELETE, permission.PATCH
	default:
		return nil, httperr.New(http.StatusMethodNotAllowed, "method not allowed")
	}
	p, err := h.auth.Permission(c)
	if err != nil {
		return nil, err
	}
	if err := permission.ValidateDoctype(doctype); err != nil {
		return nil, err
	}
	if err := permission.CheckDataID(p, verb, doctype, id); err != nil && p.Allow(filesVerb, vfs.Doctype) != nil {
		return nil, err
	}
	return p, nil
}

// listReferences writes a page of the files referencing doc.
func (h *Handler) listReferences(c *gin.Context, fs *vfs.FS, key []byte, p *permission.Permission, doc vfs.Reference) error {
	opts, err := refsOptions(c)
	if err != nil {
		return err
	}
	page, err := fs.ReferencesTo(c.Request.Context(), doc, opts)
	if err != nil {
		return err
	}
	data := make([]ref, 0, len(page.IDs))
	for _, id := range page.IDs {
		data = append(data, ref{Type: vfs.Doctype, ID: id})
	}
	out := jsonapi.Document{Data: data, Meta: map[string]any{"count": page.Total}}
	if page.Next != "" {
		out.Links = map[string]any{"next": refsNext(c, doc, opts, page.Next)}
	}
	if c.Query("include") == "files" {
		if out.Included, err = h.includedFiles(c, fs, key, p, page.IDs); err != nil {
			return err
		}
	}
	return jsonapi.Write(c, http.StatusOK, out)
}

// refsOptions reads page[limit], page[skip], page[cursor] and sort.
func refsOptions(c *gin.Context) (vfs.RefsOptions, error) {
	opts := vfs.RefsOptions{Cursor: c.Query("page[cursor]")}
	for name, dst := range map[string]*int{"page[limit]": &opts.Limit, "page[skip]": &opts.Skip} {
		if v := c.Query(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return opts, httperr.BadRequest("invalid " + name)
			}
			*dst = n
		}
	}
	switch sort := c.Query("sort"); sort {
	case "", "id":
	case "datetime":
		opts.ByDatetime = true
	default:
		return opts, httperr.BadRequest("invalid sort: " + sort)
	}
	return opts, nil
}

// refsNext is the link to the page after the one read with opts.
func refsNext(c *gin.Context, doc vfs.Reference, opts vfs.RefsOptions, next string) string {
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
		q.Set("page[cursor]", next)
	}
	for _, k := range []string{"sort", "include"} {
		if v := c.Query(k); v != "" {
			q.Set(k, v)
		}
	}
	return "/data/" + url.PathEscape(doc.Type) + "/" + url.PathEscape(doc.ID) + "/relationships/references?" + q.Encode()
}

// includedFiles renders the files of ids that p may read (the others are
// only listed by id); files removed meanwhile are left out.
func (h *Handler) includedFiles(c *gin.Context, fs *vfs.FS, key []byte, p *permission.Permission, ids []string) ([]jsonapi.Object, error) {
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
	paths, err := filePaths(c, fs, list)
	if err != nil {
		return nil, err
	}
	return toObjects(key, list, paths), nil
}
