package data

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// root answers GET /data/, which PouchDB reads to identify the server.
func (h *Handler) root(c *gin.Context, m string) {
	if m != http.MethodGet && m != http.MethodHead {
		notAllowed(c)
		return
	}
	if _, err := h.Auth.Permission(c); err != nil {
		fail(c, err)
		return
	}
	sum := sha256.Sum256([]byte("cozy-data:" + middleware.GetInstance(c).ID))
	c.JSON(http.StatusOK, gin.H{
		"message": "welcome to a cozy API",
		"couchdb": "Welcome",
		"version": "3.3.3",
		"uuid":    hex.EncodeToString(sum[:16]),
		"vendor":  gin.H{"name": "cozy"},
	})
}

// allDoctypes lists the doctypes that have a database.
func (h *Handler) allDoctypes(c *gin.Context) {
	if !h.Auth.AllowWhole(c, permission.GET, "io.cozy.doctypes") {
		return
	}
	inst := middleware.GetInstance(c)
	st, err := h.Instances.Store(inst)
	if err != nil {
		fail(c, err)
		return
	}
	list, err := st.Doctypes(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]string, 0, len(list))
	for _, d := range list {
		if permission.CheckReadable(d) == nil {
			out = append(out, d)
		}
	}
	c.JSON(http.StatusOK, out)
}

// withType adds "_type" to a rendered document, as upstream does on reads.
func withType(doc json.RawMessage, doctype string) json.RawMessage {
	if len(doc) < 2 || doc[0] != '{' {
		return doc
	}
	t, _ := json.Marshal(doctype)
	var b bytes.Buffer
	b.Grow(len(doc) + len(t) + 10)
	b.WriteString(`{"_type":`)
	b.Write(t)
	if len(bytes.TrimSpace(doc[1:])) > 1 {
		b.WriteByte(',')
	}
	b.Write(doc[1:])
	return b.Bytes()
}

// stripType removes a top-level "_type" member from a JSON object (clients
// send back what they read) and checks that the body is one JSON object.
func stripType(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, store.BadRequest("invalid JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, store.BadRequest("Document must be a JSON object")
	}
	var out bytes.Buffer
	out.WriteByte('{')
	first := true
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, store.BadRequest("invalid JSON: %v", err)
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, store.BadRequest("invalid JSON: %v", err)
		}
		if key == "_type" {
			continue
		}
		if !first {
			out.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(key)
		out.Write(k)
		out.WriteByte(':')
		out.Write(val)
	}
	if _, err := dec.Token(); err != nil {
		return nil, store.BadRequest("invalid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, store.BadRequest("invalid JSON: trailing data after the document")
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// decodeDoc decodes a document for permission checks.
func decodeDoc(raw []byte) (permission.MapDoc, error) {
	m, err := store.DecodeDoc(raw)
	if err != nil {
		return nil, store.BadRequest("invalid JSON: %v", err)
	}
	return permission.MapDoc(m), nil
}

// writeResult is the answer of a create or update through the data API.
func (h *Handler) writeResult(c *gin.Context, status int, db store.DB, doctype string, res store.Result) {
	doc, err := db.Get(c.Request.Context(), res.ID, store.GetOptions{Rev: res.Rev})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(status, gin.H{"ok": true, "id": res.ID, "rev": res.Rev, "type": doctype, "data": withType(doc.Body, doctype)})
}

// createDoc is POST /data/:doctype/: a new document with a generated id.
func (h *Handler) createDoc(c *gin.Context, doctype string) {
	if !h.Auth.AllowDataSome(c, permission.POST, doctype) {
		return
	}
	raw, ok := h.readBody(c)
	if !ok {
		return
	}
	body, err := stripType(raw)
	if err != nil {
		fail(c, err)
		return
	}
	m, err := decodeDoc(body)
	if err != nil {
		fail(c, err)
		return
	}
	for k := range m {
		if k == "_id" {
			badRequest(c, "Cannot create a document with _id")
			return
		}
		if strings.HasPrefix(k, "_") {
			fail(c, store.DocValidation("Bad special document member: %s", k))
			return
		}
	}
	id := strings.ReplaceAll(uuid.NewString(), "-", "")
	m["_id"] = id
	if !h.Auth.AllowData(c, permission.POST, doctype, m) {
		return
	}
	db, ok := h.db(c, doctype)
	if !ok {
		return
	}
	res, err := db.Put(c.Request.Context(), store.Doc{ID: id, Body: body}, store.PutOptions{})
	if err != nil {
		fail(c, err)
		return
	}
	h.writeResult(c, http.StatusCreated, db, doctype, res)
}

// getOptions reads the query parameters of GET /data/:doctype/:id.
func getOptions(c *gin.Context) (store.GetOptions, error) {
	var o store.GetOptions
	o.Rev = c.Query("rev")
	for _, p := range []struct {
		name string
		dst  *bool
	}{{"revs", &o.Revs}, {"revs_info", &o.RevsInfo}, {"conflicts", &o.Conflicts},
		{"deleted_conflicts", &o.DeletedConflicts}, {"latest", &o.Latest}, {"meta", &o.Meta}} {
		v, err := boolParam(c, p.name)
		if err != nil {
			return o, err
		}
		*p.dst = v
	}
	return o, nil
}

// getDoc is GET /data/:doctype/:id, with CouchDB's revs, open_revs, latest,
// conflicts and rev parameters.
func (h *Handler) getDoc(c *gin.Context, doctype, id string) {
	if !h.Auth.AllowDataSome(c, permission.GET, doctype) {
		return
	}
	opts, err := getOptions(c)
	if err != nil {
		fail(c, err)
		return
	}
	db, ok := h.db(c, doctype)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if openRevs, has := c.GetQuery("open_revs"); has {
		var revs []string
		if openRevs != "all" {
			if err := json.Unmarshal([]byte(openRevs), &revs); err != nil {
				badRequest(c, "open_revs must be \"all\" or a JSON array of revisions")
				return
			}
		}
		// Reading any revision needs the permission on the current document.
		if !h.allowStored(c, db, doctype, id) {
			return
		}
		list, err := db.OpenRevs(ctx, id, revs, opts.Latest, opts.Revs)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, openRevsJSON(list))
		return
	}
	doc, err := db.Get(ctx, id, opts)
	if err != nil {
		fail(c, err)
		return
	}
	m, err := decodeDoc(doc.Body)
	if err != nil {
		fail(c, err)
		return
	}
	if !h.Auth.AllowData(c, permission.GET, doctype, m) {
		return
	}
	body := doc.Body
	if !opts.Revs && opts.Rev == "" {
		body = withType(body, doctype)
	}
	c.Header("Etag", `"`+doc.Rev+`"`)
	c.Data(http.StatusOK, "application/json", body)
}

// allowStored checks GET on the winning revision of a stored document.
func (h *Handler) allowStored(c *gin.Context, db store.DB, doctype, id string) bool {
	doc, err := db.Get(c.Request.Context(), id, store.GetOptions{})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return h.Auth.AllowData(c, permission.GET, doctype, permission.MapDoc{"_id": id})
		}
		fail(c, err)
		return false
	}
	m, err := decodeDoc(doc.Body)
	if err != nil {
		fail(c, err)
		return false
	}
	return h.Auth.AllowData(c, permission.GET, doctype, m)
}

// openRevsJSON renders OpenRevs results as CouchDB does with JSON output.
func openRevsJSON(list []store.OpenRevResult) []gin.H {
	out := make([]gin.H, 0, len(list))
	for _, r := range list {
		if r.OK != nil {
			out = append(out, gin.H{"ok": r.OK.Body})
		} else {
			out = append(out, gin.H{"missing": r.Missing})
		}
	}
	return out
}

// putDoc is PUT /data/:doctype/:id: update (with "_rev") or create with a
// fixed id.
func (h *Handler) putDoc(c *gin.Context, doctype, id string) {
	if !h.Auth.AllowDataSome(c, permission.PUT, doctype) {
		return
	}
	if err := store.CheckID(id); err != nil {
		fail(c, err)
		return
	}
	raw, ok := h.readBody(c)
	if !ok {
		return
	}
	body, err := stripType(raw)
	if err != nil {
		fail(c, err)
		return
	}
	parsed, err := store.ParseBody(body)
	if err != nil {
		fail(c, err)
		return
	}
	if parsed.ID != "" && parsed.ID != id {
		badRequest(c, "The document id in the body (%q) does not match the URL (%q)", parsed.ID, id)
		return
	}
	m, err := decodeDoc(body)
	if err != nil {
		fail(c, err)
		return
	}
	m["_id"] = id
	db, ok := h.db(c, doctype)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	verb, status := permission.POST, http.StatusOK // upstream answers 200 for both
	if parsed.Rev != "" {
		verb = permission.PUT
		old, err := db.Get(ctx, id, store.GetOptions{})
		if err == nil {
			om, err := decodeDoc(old.Body)
			if err != nil {
				fail(c, err)
				return
			}
			if !h.Auth.AllowData(c, permission.PUT, doctype, om) {
				return
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			fail(c, err)
			return
		}
	}
	if !h.Auth.AllowData(c, verb, doctype, m) {
		return
	}
	res, err := db.Put(ctx, store.Doc{ID: id, Rev: parsed.Rev, Body: body}, store.PutOptions{})
	if err != nil {
		fail(c, err)
		return
	}
	if parsed.Deleted {
		c.JSON(status, gin.H{"ok": true, "id": res.ID, "rev": res.Rev, "type": doctype, "_deleted": true})
		return
	}
	h.writeResult(c, status, db, doctype, res)
}

// deleteDoc is DELETE /data/:doctype/:id?rev= (or If-Match).
func (h *Handler) deleteDoc(c *gin.Context, doctype, id string) {
	if !h.Auth.AllowDataSome(c, permission.DELETE, doctype) {
		return
	}
	rev := c.Query("rev")
	if im := strings.Trim(c.GetHeader("If-Match"), `"`); im != "" {
		if rev != "" && rev != im {
			badRequest(c, "The rev in the query and the If-Match header differ")
			return
		}
		rev = im
	}
	if rev == "" {
		badRequest(c, "Deleting a document needs its rev (query parameter rev or If-Match header)")
		return
	}
	db, ok := h.db(c, doctype)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	old, err := db.Get(ctx, id, store.GetOptions{})
	if err != nil {
		fail(c, err)
		return
	}
	m, err := decodeDoc(old.Body)
	if err != nil {
		fail(c, err)
		return
	}
	if !h.Auth.AllowData(c, permission.DELETE, doctype, m) {
		return
	}
	res, err := db.Delete(ctx, id, rev)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"ok": true, "id": res.ID, "rev": res.Rev, "type": doctype, "_deleted": true})
}
