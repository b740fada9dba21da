package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"

	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// CouchDB's multipart forms, both ways:
//   - PUT /data/:doctype/:id with Content-Type multipart/related: the
//     document (JSON) first, its "_attachments" entries marked
//     {"follows": true}, then one part per such attachment, matched by
//     the part's Content-Disposition filename or else in the order of the
//     entries. Each part is streamed to storage.
//   - GET ...?open_revs=... with Accept: multipart/mixed: one part per
//     revision, application/json, or multipart/related (the document then
//     its attachments, streamed) when attachments are asked for.

// isMultipartRelated reports whether the request body is multipart/related.
func isMultipartRelated(c *gin.Context) bool {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	return err == nil && mt == "multipart/related"
}

// acceptsMultipart reports whether the request's Accept names mediaType.
func acceptsMultipart(c *gin.Context, mediaType string) bool {
	for _, part := range strings.Split(c.GetHeader("Accept"), ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == mediaType {
			return true
		}
	}
	return false
}

// putMultipart reads a multipart/related document write.
func (h *Handler) putMultipart(c *gin.Context, doctype, id string) error {
	_, params, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if params["boundary"] == "" {
		return store.BadRequest("multipart/related without a boundary")
	}
	limit := h.attachmentLimit()
	if c.Request.ContentLength > limit {
		return request.TooLarge(limit)
	}
	request.Limit(c, limit)
	mr := multipart.NewReader(c.Request.Body, params["boundary"])
	first, err := mr.NextPart()
	if err != nil {
		return bodyErr(err)
	}
	raw, err := io.ReadAll(io.LimitReader(first, h.limit()+1))
	if err != nil {
		return bodyErr(err)
	}
	if int64(len(raw)) > h.limit() {
		return request.TooLarge(h.limit())
	}
	if err := request.CheckText(raw); err != nil {
		return err
	}
	names, err := followingNames(raw)
	if err != nil {
		return err
	}
	db, err := h.db(c, doctype)
	if err != nil {
		return err
	}
	staged := map[string]store.Staged{}
	var releases []func()
	defer func() {
		for _, r := range releases {
			r()
		}
	}()
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return bodyErr(err)
		}
		name := part.FileName()
		if name == "" { // the first attachment not sent yet, in order
			for _, n := range names {
				if _, sent := staged[n]; !sent {
					name = n
					break
				}
			}
			if name == "" {
				return store.BadRequest("multipart/related: more parts than attachments that follow")
			}
		}
		if _, sent := staged[name]; sent || !slices.Contains(names, name) {
			return store.BadRequest("multipart/related: part %q names no attachment that follows", name)
		}
		st, release, err := db.StageAttachment(c.Request.Context(), part)
		if err != nil {
			return bodyErr(err)
		}
		releases = append(releases, release)
		staged[name] = st
	}
	return h.putDocBody(c, doctype, id, raw, staged)
}

// bodyErr maps an error met while reading a request body.
func bodyErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return request.Err(err)
	}
	var se *store.Error
	var he *httperr.Error
	if errors.As(err, &se) || errors.As(err, &he) {
		return err
	}
	return store.BadRequest("cannot read the request body: %v", err)
}

// followingNames lists the attachments of a document marked {"follows":
// true}, in their order in the document.
func followingNames(raw []byte) ([]string, error) {
	atts := store.Member(raw, "_attachments")
	if atts == nil {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(atts))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, store.BadRequest("_attachments must be an object")
	}
	var names []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, store.BadRequest("invalid JSON: %v", err)
		}
		name, _ := tok.(string)
		var e struct {
			Follows bool `json:"follows"`
		}
		if err := dec.Decode(&e); err != nil {
			return nil, store.BadRequest("invalid JSON: %v", err)
		}
		if e.Follows {
			names = append(names, name)
		}
	}
	return names, nil
}

// writeRevsMultipart answers open_revs as multipart/mixed. A revision not
// readable is answered as missing when named, left out of "all".
func writeRevsMultipart(c *gin.Context, db store.DB, list []store.OpenRevResult, named []string, readable func(json.RawMessage) bool, inl inlineOptions, keepRevisions bool) error {
	ctx := c.Request.Context()
	mw := multipart.NewWriter(c.Writer)
	c.Header("Content-Type", "multipart/mixed; boundary=\""+mw.Boundary()+"\"")
	c.Status(http.StatusOK)
	jsonPart := func(v any) error {
		w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/json"}})
		if err != nil {
			return err
		}
		return json.NewEncoder(w).Encode(v)
	}
	for _, r := range list {
		switch {
		case r.OK == nil:
			if err := jsonPart(gin.H{"missing": r.Missing}); err != nil {
				return err
			}
			continue
		case !readable(r.OK.Body):
			if slices.Contains(named, r.OK.Rev) {
				if err := jsonPart(gin.H{"missing": r.OK.Rev}); err != nil {
					return err
				}
			}
			continue
		}
		body, follows, err := followsBody(r.OK.Body, inl, keepRevisions)
		if err != nil {
			return err
		}
		if len(follows) == 0 {
			if err := jsonPart(json.RawMessage(body)); err != nil {
				return err
			}
			continue
		}
		boundary := multipart.NewWriter(io.Discard).Boundary()
		w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {`multipart/related; boundary="` + boundary + `"`}})
		if err != nil {
			return err
		}
		inner := multipart.NewWriter(w)
		if err := inner.SetBoundary(boundary); err != nil {
			return err
		}
		if err := writeRelated(ctx, inner, db, r.OK.ID, r.OK.Rev, body, follows); err != nil {
			return err
		}
	}
	return mw.Close()
}

// followsBody renders a document whose attachments to send are marked
// {"follows": true} (with their length), returning them in order.
func followsBody(body json.RawMessage, inl inlineOptions, keepRevisions bool) (json.RawMessage, []store.Attachment, error) {
	stubs, err := store.Stubs(body)
	if err != nil {
		return nil, nil, err
	}
	cutoff := 0
	if len(inl.attsSince) > 0 && !inl.all {
		cutoff = sinceCutoff(body, inl.attsSince)
	}
	body, err = stripRevisions(body, keepRevisions)
	if err != nil || !inl.active() || len(stubs) == 0 {
		return body, nil, err
	}
	names := make([]string, 0, len(stubs))
	for n := range stubs {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make(map[string]any, len(stubs))
	var follows []store.Attachment
	for _, n := range names {
		a := stubs[n]
		if !a.Stub || a.Revpos <= cutoff {
			out[n] = a
			continue
		}
		follows = append(follows, a)
		out[n] = map[string]any{"content_type": a.ContentType, "revpos": a.Revpos, "digest": a.Digest, "length": a.Length, "follows": true}
	}
	val, err := json.Marshal(out)
	if err != nil {
		return nil, nil, err
	}
	body, err = store.SetMember(body, "_attachments", val)
	return body, follows, err
}

// writeRelated writes a multipart/related document: its JSON, then the
// contents of follows, streamed from storage.
func writeRelated(ctx context.Context, mw *multipart.Writer, db store.DB, id, rev string, body json.RawMessage, follows []store.Attachment) error {
	w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/json"}})
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	for _, a := range follows {
		_, rd, err := db.OpenAttachment(ctx, id, rev, a.Name)
		if err != nil {
			return err
		}
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Disposition": {mime.FormatMediaType("attachment", map[string]string{"filename": a.Name})},
			"Content-Type":        {a.ContentType},
			"Content-Length":      {strconv.FormatInt(a.Length, 10)},
		})
		if err == nil {
			_, err = io.Copy(w, rd)
		}
		rd.Close()
		if err != nil {
			return err
		}
	}
	return mw.Close()
}
