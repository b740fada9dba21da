package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/cozypi/cozy/pkg/ident"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// root answers GET /data/, which PouchDB reads to identify the server.
func (h *Handler) root(c *gin.Context, m string) error {
	if m != http.MethodGet && m != http.MethodHead {
		return notAllowed(c)
	}
	if _, err := h.Auth.Permission(c); err != nil {
		return err
	}
	sum := sha256.Sum256([]byte("cozy-data:" + middleware.GetInstance(c).ID))
	c.JSON(http.StatusOK, gin.H{
		"message": "welcome to a cozy API",
		"couchdb": "Welcome",
		"version": "3.3.3",
		"uuid":    hex.EncodeToString(sum[:16]),
		"vendor":  gin.H{"name": "cozy"},
	})
	return nil
}

// allDoctypes lists the doctypes that have a database.
func (h *Handler) allDoctypes(c *gin.Context) error {
	if err := h.Auth.RequireWhole(c, permission.GET, "io.cozy.doctypes"); err != nil {
		return err
	}
	st, err := h.Instances.Store(middleware.GetInstance(c))
	if err != nil {
		return err
	}
	list, err := st.Doctypes(c.Request.Context())
	if err != nil {
		return err
	}
	out := make([]string, 0, len(list))
	for _, d := range list {
		if permission.CheckReadable(d) == nil {
			out = append(out, d)
		}
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// writeResult is the answer of a create or update through the data API:
// the document as a read would give it. It is rendered from the fields
// written, as the store keeps them, without reading it back, unless they
// hold attachments (the store turns them into stubs).
func writeResult(c *gin.Context, status int, db store.DB, doctype string, res store.Result, fields []byte) error {
	var body json.RawMessage
	if bytes.Contains(fields, []byte(`"_attachments"`)) {
		doc, err := db.Get(c.Request.Context(), res.ID, store.GetOptions{Rev: res.Rev})
		if err != nil {
			return err
		}
		body = doc.Body
	} else {
		body = store.RenderDoc(res.ID, res.Rev, fields, store.Meta{})
	}
	// The members gin would marshal from a map, in its (sorted) order,
	// written directly: the body is already JSON.
	var b bytes.Buffer
	b.Grow(len(body) + len(res.ID) + len(res.Rev) + 2*len(doctype) + 64)
	b.WriteString(`{"data":`)
	b.Write(withType(body, doctype))
	for _, m := range [][2]string{{"id", res.ID}, {"ok", ""}, {"rev", res.Rev}, {"type", doctype}} {
		b.WriteString(`,"` + m[0] + `":`)
		if m[0] == "ok" {
			b.WriteString("true")
			continue
		}
		v, _ := json.Marshal(m[1])
		b.Write(v)
	}
	b.WriteByte('}')
	c.Data(status, "application/json; charset=utf-8", b.Bytes())
	return nil
}

// createDoc is POST /data/:doctype/: a new document with a generated id.
func (h *Handler) createDoc(c *gin.Context, doctype string) error {
	if err := h.Auth.RequireDataSome(c, permission.POST, doctype); err != nil {
		return err
	}
	raw, err := body(c, h.limit())
	if err != nil {
		return err
	}
	id := ident.DocID()
	parsed, doc, err := readDoc(raw, id)
	if err != nil {
		return err
	}
	if parsed.ID != "" || slices.Contains(parsed.Specials, "_id") {
		return store.BadRequest("Cannot create a document with _id")
	}
	if len(parsed.Specials) > 0 {
		return store.DocValidation("Bad special document member: %s", parsed.Specials[0])
	}
	if err := h.Auth.RequireData(c, permission.POST, doctype, doc); err != nil {
		return err
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	res, err := db.Put(c.Request.Context(), store.Doc{ID: id, Body: parsed.Fields}, store.PutOptions{Parsed: &parsed})
	if err != nil {
		return err
	}
	return writeResult(c, http.StatusCreated, db, doctype, res, parsed.Fields)
}

// putDoc is PUT /data/:doctype/:id: update (with "_rev") or create with a
// fixed id. Upstream answers 200 for both.
func (h *Handler) putDoc(c *gin.Context, doctype, id string) error {
	if err := h.Auth.RequireDataSome(c, permission.PUT, doctype); err != nil {
		return err
	}
	if err := store.CheckID(id); err != nil {
		return err
	}
	if isMultipartRelated(c) {
		return h.putMultipart(c, doctype, id)
	}
	raw, err := body(c, h.limit())
	if err != nil {
		return err
	}
	return h.putDocBody(c, doctype, id, raw, nil)
}

// putDocBody is the write of putDoc once the document is read; staged are
// the contents of its attachments that follow (multipart/related).
func (h *Handler) putDocBody(c *gin.Context, doctype, id string, raw []byte, staged map[string]store.Staged) error {
	parsed, doc, err := readDoc(raw, id)
	if err != nil {
		return err
	}
	if parsed.ID != "" && parsed.ID != id {
		return store.BadRequest("The document id in the body (%q) does not match the URL (%q)", parsed.ID, id)
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	verb := permission.POST
	if parsed.Rev != "" {
		verb = permission.PUT
		old, err := storedDoc(ctx, db, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil {
			if err := h.Auth.RequireData(c, permission.PUT, doctype, old); err != nil {
				return err
			}
		}
	}
	if err := h.Auth.RequireData(c, verb, doctype, doc); err != nil {
		return err
	}
	newEdits := true
	if v := c.Query("new_edits"); v != "" {
		if newEdits, err = strconv.ParseBool(v); err != nil {
			return store.BadRequest("query parameter new_edits must be true or false")
		}
	}
	res, err := db.Put(ctx, store.Doc{ID: id, Rev: parsed.Rev, Body: raw}, store.PutOptions{Staged: staged, NoNewEdits: !newEdits, Parsed: &parsed})
	if err != nil {
		return err
	}
	if parsed.Deleted {
		c.JSON(http.StatusOK, gin.H{"ok": true, "id": res.ID, "rev": res.Rev, "type": doctype, "_deleted": true})
		return nil
	}
	return writeResult(c, http.StatusOK, db, doctype, res, parsed.Fields)
}

// deleteDoc is DELETE /data/:doctype/:id?rev= (or If-Match).
func (h *Handler) deleteDoc(c *gin.Context, doctype, id string) error {
	if err := h.Auth.RequireDataSome(c, permission.DELETE, doctype); err != nil {
		return err
	}
	rev, err := deleteRev(c)
	if err != nil {
		return err
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	old, err := storedDoc(c.Request.Context(), db, id)
	if err != nil {
		return err
	}
	if err := h.Auth.RequireData(c, permission.DELETE, doctype, old); err != nil {
		return err
	}
	res, err := db.Delete(c.Request.Context(), id, rev)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"ok": true, "id": res.ID, "rev": res.Rev, "type": doctype, "_deleted": true})
	return nil
}

// deleteRev returns the revision a DELETE names, in its query or If-Match.
func deleteRev(c *gin.Context) (string, error) {
	rev := c.Query("rev")
	if im := strings.Trim(c.GetHeader("If-Match"), `"`); im != "" {
		if rev != "" && rev != im {
			return "", store.BadRequest("The rev in the query and the If-Match header differ")
		}
		rev = im
	}
	if rev == "" {
		return "", store.BadRequest("Deleting a document needs its rev (query parameter rev or If-Match header)")
	}
	return rev, nil
}

// storedDoc returns the winning revision of a stored document, decoded
// for permission checks.
func storedDoc(ctx context.Context, db store.DB, id string) (permission.MapDoc, error) {
	doc, err := db.Get(ctx, id, store.GetOptions{})
	if err != nil {
		return nil, err
	}
	return decodeDoc(doc.Body)
}
