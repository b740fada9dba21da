package data

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// DefaultAttachmentLimit bounds the body of a raw attachment PUT when the
// handler has no limit.
const DefaultAttachmentLimit = 4 << 30

// attachmentLimit is the bound of raw attachment bodies.
func (h *Handler) attachmentLimit() int64 {
	if h.AttachmentLimit <= 0 {
		return DefaultAttachmentLimit
	}
	return h.AttachmentLimit
}

// attachment serves /data/:doctype/:id/:name (GET, HEAD, PUT, DELETE), as
// CouchDB does. Reading needs GET on the document (the revision read),
// writing PUT on it (POST for a new document).
func (h *Handler) attachment(c *gin.Context, rt route, m string) error {
	switch m {
	case http.MethodGet, http.MethodHead:
		return h.getAttachment(c, rt.doctype, rt.id, rt.att)
	case http.MethodPut:
		return h.putAttachment(c, rt.doctype, rt.id, rt.att)
	case http.MethodDelete:
		return h.deleteAttachment(c, rt.doctype, rt.id, rt.att)
	}
	return notAllowed(c)
}

// getAttachment streams the content (Range requests and If-None-Match on
// the digest are served by http.ServeContent).
func (h *Handler) getAttachment(c *gin.Context, doctype, id, name string) error {
	if err := h.Auth.RequireDataSome(c, permission.GET, doctype); err != nil {
		return err
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	rev := c.Query("rev")
	doc, err := db.Get(ctx, id, store.GetOptions{Rev: rev})
	if err != nil {
		return err
	}
	m, err := decodeDoc(doc.Body)
	if err != nil {
		return err
	}
	if err := h.Auth.RequireData(c, permission.GET, doctype, m); err != nil {
		return err
	}
	att, rd, err := db.OpenAttachment(ctx, id, doc.Rev, name)
	if err != nil {
		return err
	}
	defer rd.Close()
	hdr := c.Writer.Header()
	hdr.Set("Content-Type", att.ContentType)
	hdr.Set("Etag", `"`+att.Digest+`"`)
	if sum, ok := strings.CutPrefix(att.Digest, "md5-"); ok {
		hdr.Set("Content-Md5", sum)
	}
	hdr.Set("Cache-Control", "must-revalidate")
	http.ServeContent(c.Writer, c.Request, "", time.Time{}, rd)
	return nil
}

// writeRev is the revision an attachment write is based on: rev or
// If-Match.
func writeRev(c *gin.Context) (string, error) {
	rev := c.Query("rev")
	if im := strings.Trim(c.GetHeader("If-Match"), `"`); im != "" {
		if rev != "" && rev != im {
			return "", store.BadRequest("The rev in the query and the If-Match header differ")
		}
		rev = im
	}
	return rev, nil
}

// requireWrite checks that the request may write the document id: PUT on
// its current winner, or POST when it does not exist.
func (h *Handler) requireWrite(c *gin.Context, db store.DB, doctype, id string) error {
	old, err := storedDoc(c.Request.Context(), db, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return h.Auth.RequireData(c, permission.POST, doctype, permission.MapDoc{"_id": id})
	case err != nil:
		return err
	}
	return h.Auth.RequireData(c, permission.PUT, doctype, old)
}

// putAttachment streams the request body into a new attachment and
// answers the new revision (201).
func (h *Handler) putAttachment(c *gin.Context, doctype, id, name string) error {
	if err := h.Auth.RequireDataSome(c, permission.PUT, doctype); err != nil {
		return err
	}
	rev, err := writeRev(c)
	if err != nil {
		return err
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	if err := h.requireWrite(c, db, doctype, id); err != nil {
		return err
	}
	limit := h.attachmentLimit()
	if c.Request.ContentLength > limit {
		return request.TooLarge(limit)
	}
	request.Limit(c, limit)
	res, err := db.PutAttachment(c.Request.Context(), id, rev, name, c.ContentType(), c.Request.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return request.Err(err)
	}
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, gin.H{"ok": true, "id": res.ID, "rev": res.Rev})
	return nil
}

// deleteAttachment writes a revision without the attachment.
func (h *Handler) deleteAttachment(c *gin.Context, doctype, id, name string) error {
	if err := h.Auth.RequireDataSome(c, permission.PUT, doctype); err != nil {
		return err
	}
	rev, err := writeRev(c)
	if err != nil {
		return err
	}
	if rev == "" {
		return store.BadRequest("Deleting an attachment needs the document's rev (query parameter rev or If-Match header)")
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	old, err := storedDoc(c.Request.Context(), db, id)
	if err != nil {
		return err
	}
	if err := h.Auth.RequireData(c, permission.PUT, doctype, old); err != nil {
		return err
	}
	res, err := db.DeleteAttachment(c.Request.Context(), id, rev, name)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"ok": true, "id": res.ID, "rev": res.Rev})
	return nil
}

// inlineOptions say which attachments a read renders with their data:
// all (attachments=true), or those newer than the revisions of atts_since.
type inlineOptions struct {
	all       bool
	attsSince []string
}

func (o inlineOptions) active() bool { return o.all || len(o.attsSince) > 0 }

// readInlineOptions reads attachments= and atts_since= from the query.
func readInlineOptions(c *gin.Context) (inlineOptions, error) {
	var o inlineOptions
	var err error
	if o.all, err = boolParam(c, "attachments"); err != nil {
		return o, err
	}
	if s, ok := c.GetQuery("atts_since"); ok && s != "" {
		if err := json.Unmarshal([]byte(s), &o.attsSince); err != nil {
			return o, store.BadRequest("atts_since must be a JSON array of revisions")
		}
	}
	return o, nil
}

// inline renders the attachments of a rendered document with their data
// where o asks for it. The document must hold "_revisions" when o has
// atts_since; keepRevisions false takes it out after use.
func inline(ctx context.Context, db store.DB, body json.RawMessage, o inlineOptions, keepRevisions bool) (json.RawMessage, error) {
	if !o.active() {
		return stripRevisions(body, keepRevisions)
	}
	stubs, err := store.Stubs(body)
	if err != nil || len(stubs) == 0 {
		return stripRevisions(body, keepRevisions)
	}
	cutoff := 0
	if !o.all {
		cutoff = sinceCutoff(body, o.attsSince)
	}
	var meta struct {
		ID  string `json:"_id"`
		Rev string `json:"_rev"`
	}
	if err := json.Unmarshal(body, &meta); err != nil {
		return nil, err
	}
	out := make(map[string]json.RawMessage, len(stubs))
	for name, a := range stubs {
		if !a.Stub || a.Revpos <= cutoff {
			raw, _ := json.Marshal(a)
			out[name] = raw
			continue
		}
		_, rd, err := db.OpenAttachment(ctx, meta.ID, meta.Rev, name)
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(rd)
		rd.Close()
		if err != nil {
			return nil, err
		}
		raw, err := json.Marshal(struct {
			ContentType string `json:"content_type"`
			Revpos      int    `json:"revpos"`
			Digest      string `json:"digest"`
			Data        string `json:"data"`
		}{a.ContentType, a.Revpos, a.Digest, base64.StdEncoding.EncodeToString(data)})
		if err != nil {
			return nil, err
		}
		out[name] = raw
	}
	val, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	body, err = store.SetMember(body, "_attachments", val)
	if err != nil {
		return nil, err
	}
	return stripRevisions(body, keepRevisions)
}

func stripRevisions(body json.RawMessage, keep bool) (json.RawMessage, error) {
	if keep || store.Member(body, "_revisions") == nil {
		return body, nil
	}
	return store.SetMember(body, "_revisions", nil)
}

// sinceCutoff is the generation of the newest revision of since that is
// in the document's history ("_revisions"): attachments of a higher
// revpos are new to the client, as CouchDB decides for atts_since.
func sinceCutoff(body json.RawMessage, since []string) int {
	var h struct {
		Start int      `json:"start"`
		IDs   []string `json:"ids"`
	}
	if err := json.Unmarshal(store.Member(body, "_revisions"), &h); err != nil {
		return 0
	}
	cutoff := 0
	for _, s := range since {
		pos, hash, ok := strings.Cut(s, "-")
		if !ok {
			continue
		}
		n := 0
		for _, ch := range pos {
			if ch < '0' || ch > '9' {
				n = -1
				break
			}
			n = n*10 + int(ch-'0')
		}
		if i := h.Start - n; n > 0 && i >= 0 && i < len(h.IDs) && h.IDs[i] == hash && n > cutoff {
			cutoff = n
		}
	}
	return cutoff
}

// designAttachment serves the attachments of a design document: the
// verb is checked on the whole doctype, as for the design document.
func (h *Handler) designAttachment(c *gin.Context, doctype, id, name string, m string) error {
	verb := permission.PUT
	if m == http.MethodGet || m == http.MethodHead {
		verb = permission.GET
	}
	if err := h.Auth.RequireData(c, verb, doctype, nil); err != nil {
		return err
	}
	return h.attachment(c, route{doctype: doctype, id: id, att: name}, m)
}
