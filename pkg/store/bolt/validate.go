package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cozypi/cozy/pkg/store"
)

// validate_doc_update (store.ValidatingStore). Every document write
// (Put, Delete, BulkDocs, replication's new_edits=false included; not
// _local documents) first runs the validate_doc_update functions of the
// doctype's design documents through the query server, outside any
// transaction: a refused document gets a forbidden or unauthorized error
// and is not written. The old document given to the functions is the
// winner read just before the write transaction, as CouchDB reads it at
// write time; a write that lands in between is not seen (CouchDB's own
// race). An attachment-only write (PutAttachment, DeleteAttachment) is
// validated as the old document with that attachment stub set or removed.
// Limits: userCtx has no name nor roles, secObj is empty.
//
// Which design documents have a function is cached per doctype; the cache
// is dropped when a design document of any doctype is written, purged or
// its database destroyed (a generation counter), so that a doctype
// without such functions pays one map lookup per write.

// validators is the per-store state of validation.
type validators struct {
	qs    atomic.Pointer[qsBox]
	gen   atomic.Uint64
	cache sync.Map // doctype -> *vduSet
}

// qsBox holds the interface value for the atomic pointer.
type qsBox struct{ qs store.QueryServer }

// vduSet is the design documents with a validate_doc_update function of a
// doctype, as read at generation gen.
type vduSet struct {
	gen   uint64
	ddocs []store.DesignRef
}

var _ store.ValidatingStore = (*Store)(nil)

// SetQueryServer implements store.ValidatingStore.
func (s *Store) SetQueryServer(qs store.QueryServer) {
	if qs == nil {
		s.vdu.qs.Store(nil)
		return
	}
	s.vdu.qs.Store(&qsBox{qs})
}

// forgetValidators drops the cached sets: a design document changed.
func (s *Store) forgetValidators() { s.vdu.gen.Add(1) }

// validators returns the design documents of d with a validate_doc_update
// function (cached).
func (d *DB) validators(ctx context.Context) ([]store.DesignRef, error) {
	gen := d.s.vdu.gen.Load()
	if v, ok := d.s.vdu.cache.Load(d.doctype); ok && v.(*vduSet).gen == gen {
		return v.(*vduSet).ddocs, nil
	}
	var ddocs []store.DesignRef
	_, err := d.EachAllDocs(ctx, store.AllDocsOptions{OnlyDesignDocs: true, IncludeDocs: true, InclusiveEnd: true},
		func(row store.AllDocsRow) error {
			if row.Deleted || len(row.Doc) == 0 {
				return nil
			}
			var dd struct {
				Language string `json:"language"`
				VDU      any    `json:"validate_doc_update"`
			}
			if json.Unmarshal(row.Doc, &dd) != nil || (dd.Language != "" && dd.Language != "javascript") {
				return nil
			}
			if src, ok := dd.VDU.(string); ok && strings.TrimSpace(src) != "" {
				ddocs = append(ddocs, store.DesignRef{ID: row.ID, Rev: row.Rev, Body: row.Doc})
			}
			return nil
		})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	d.s.vdu.cache.Store(d.doctype, &vduSet{gen: gen, ddocs: ddocs})
	return ddocs, nil
}

// validate runs the validate_doc_update functions on the edits that are
// document writes, setting the error of those refused. The error return is
// for failures of the whole request (the query server's, ctx's).
func (d *DB) validate(ctx context.Context, edits []edit) error {
	box := d.s.vdu.qs.Load()
	if box == nil || d.invalid != nil {
		return nil
	}
	ddocs, err := d.validators(ctx)
	if err != nil || len(ddocs) == 0 {
		return err
	}
	userCtx := store.UserCtx(d.doctype)
	for i := range edits {
		e := &edits[i]
		if e.err != nil || strings.HasPrefix(e.id, store.LocalPrefix) {
			continue
		}
		var old json.RawMessage
		doc, err := d.Get(ctx, e.id, store.GetOptions{})
		switch {
		case err == nil:
			old = doc.Body
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		newDoc := newDocJSON(e)
		if e.op != nil {
			newDoc = opDocJSON(e, old)
		}
		err = store.Validate(ctx, box.qs, ddocs, newDoc, old, userCtx)
		var se *store.Error
		switch {
		case err == nil:
		case errors.As(err, &se) && (se.Kind == store.ErrForbidden || se.Kind == store.ErrUnauthorized):
			e.err = se
		default:
			return err
		}
	}
	return nil
}

// newDocJSON is the document an edit writes, as validate functions see
// it: its members with _id, and _rev and _deleted when set.
func newDocJSON(e *edit) json.RawMessage {
	head := map[string]any{"_id": e.id}
	if e.rev != "" {
		head["_rev"] = e.rev
	}
	if e.deleted {
		head["_deleted"] = true
	}
	if e.body.Revisions != nil {
		head["_revisions"] = e.body.Revisions
	}
	b, _ := json.Marshal(head)
	fields := e.body.Fields
	if len(fields) < 2 || string(fields) == "{}" {
		return b
	}
	out := make([]byte, 0, len(b)+len(fields))
	out = append(out, b[:len(b)-1]...)
	out = append(out, ',')
	return append(out, fields[1:]...)
}

// opDocJSON is the document an attachment-only edit writes, as validate
// functions see it: the old document (old, nil when there is none) with
// the attachment's stub set or removed, and the edit's _rev.
func opDocJSON(e *edit, old json.RawMessage) json.RawMessage {
	doc := map[string]json.RawMessage{}
	if len(old) > 0 {
		_ = json.Unmarshal(old, &doc) // a stored body is a JSON object
	}
	doc["_id"], _ = json.Marshal(e.id)
	delete(doc, "_rev")
	if e.rev != "" {
		doc["_rev"], _ = json.Marshal(e.rev)
	}
	atts := map[string]json.RawMessage{}
	if raw, ok := doc["_attachments"]; ok {
		_ = json.Unmarshal(raw, &atts)
	}
	if e.op.blob != nil {
		atts[e.op.name], _ = json.Marshal(map[string]any{"content_type": e.op.contentType,
			"digest": e.op.blob.digest, "length": e.op.blob.length, "stub": true})
	} else {
		delete(atts, e.op.name)
	}
	if len(atts) > 0 {
		doc["_attachments"], _ = json.Marshal(atts)
	} else {
		delete(doc, "_attachments")
	}
	b, _ := json.Marshal(doc)
	return b
}
