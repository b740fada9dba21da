package bolt

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	bbolt "go.etcd.io/bbolt"

	"github.com/cozypi/cozy/pkg/revtree"
	"github.com/cozypi/cozy/pkg/store"
)

// Attachments. A stored revision's fields hold "_attachments" as CouchDB
// renders stubs ({"content_type","revpos","digest","length","stub":true}),
// last among the fields, so that every listing renders stubs as they are;
// the contents are blobs (blobs.go). On write, the entries of
// "_attachments" are either inline base64 "data" (decoded and stored as a
// blob before the transaction), or stubs naming an attachment of the
// revision the write is based on (the parent with new_edits, the nearest
// kept ancestor of the given history without).

// attIn is one "_attachments" entry of a write.
type attIn struct {
	name string
	att  store.Attachment // stubs: as sent; data: with digest and length
	blob *blobInfo        // set for inline data, written and pinned
}

// attOp is the change of PutAttachment (blob set) or DeleteAttachment.
type attOp struct {
	name        string
	contentType string
	blob        *blobInfo
}

// attEntry is the decoded form of one "_attachments" entry on input.
type attEntry struct {
	ContentType string          `json:"content_type"`
	Data        json.RawMessage `json:"data"`
	Stub        bool            `json:"stub"`
	Follows     bool            `json:"follows"`
	Digest      string          `json:"digest"`
	Length      int64           `json:"length"`
	Revpos      int             `json:"revpos"`
}

// dropAttachments returns fields without "_attachments".
func dropAttachments(fields json.RawMessage) (json.RawMessage, error) {
	if store.Member(fields, "_attachments") == nil {
		return fields, nil
	}
	return store.SetMember(fields, "_attachments", nil)
}

// prepareAttachments decodes the "_attachments" of each valid edit and
// stores their inline data as blobs, pinned. It returns the keys to unpin
// once the write is over. A malformed entry is the edit's error; a
// storage failure is returned.
func (d *DB) prepareAttachments(edits []edit) ([]string, error) {
	var pinned []string
	for i := range edits {
		e := &edits[i]
		if e.err != nil || e.op != nil {
			continue
		}
		if strings.HasPrefix(e.id, store.LocalPrefix) {
			// CouchDB drops them from a _local document: not kept, not
			// returned (the data of inline ones is never stored).
			if fields, err := dropAttachments(e.body.Fields); err != nil {
				e.err = err
			} else {
				e.body.Fields = fields
			}
			continue
		}
		raw := store.Member(e.body.Fields, "_attachments")
		if raw == nil {
			continue
		}
		fields, err := store.SetMember(e.body.Fields, "_attachments", nil)
		if err != nil {
			e.err = err
			continue
		}
		e.body.Fields = fields
		e.hasAtts = true
		if string(raw) == "null" {
			continue
		}
		var entries map[string]attEntry
		if err := json.Unmarshal(raw, &entries); err != nil {
			e.err = store.BadRequest("_attachments must be an object of attachments: %v", err)
			continue
		}
		for name, en := range entries {
			if err := store.CheckAttachmentName(name); err != nil {
				e.err = err
				break
			}
			in := attIn{name: name, att: store.Attachment{Name: name, ContentType: en.ContentType, Digest: en.Digest, Length: en.Length, Revpos: en.Revpos}}
			if in.att.ContentType == "" {
				in.att.ContentType = store.DefaultContentType
			}
			switch {
			case en.Data != nil:
				r, err := jsonStringReader(en.Data)
				if err != nil {
					e.err = store.BadRequest("Invalid attachment data for %s", name)
					break
				}
				info, err := d.s.blobs.write(base64.NewDecoder(base64.StdEncoding, r))
				if errors.Is(err, errCollision) {
					return pinned, err
				}
				var ce base64.CorruptInputError
				if errors.As(err, &ce) {
					e.err = store.BadRequest("Invalid attachment data for %s", name)
					break
				}
				if errors.Is(err, store.ErrTooLarge) { // over the quota: this document only
					e.err = err
					break
				}
				if err != nil {
					return pinned, err
				}
				pinned = append(pinned, info.key)
				in.blob = &info
				in.att.Digest, in.att.Length = info.digest, info.length
			case en.Stub:
			case en.Follows:
				st, ok := e.staged[name]
				info, pinned := d.s.blobs.pinned(st.Digest)
				if !ok || !pinned {
					e.err = store.BadRequest("Attachment %s follows, but its content was not sent", name)
					break
				}
				in.blob = &info
				in.att.Digest, in.att.Length = info.digest, info.length
			default:
				e.err = store.BadRequest("Invalid attachment %s: neither data nor stub", name)
			}
			if e.err != nil {
				break
			}
			e.atts = append(e.atts, in)
		}
	}
	return pinned, nil
}

// jsonStringReader reads the content of a JSON string without copying it
// when it has no escape (base64 never needs one but "\/").
func jsonStringReader(raw json.RawMessage) (io.Reader, error) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, errors.New("not a string")
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return bytes.NewReader(inner), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	return strings.NewReader(s), nil
}

// attFields computes the fields of the new revision at generation pos:
// e's fields with its attachments resolved against the revisions of rec
// listed in from (nearest first). Errors are the document's.
func attFields(e *edit, rec *record, from []revtree.Rev, pos int) ([]byte, error) {
	if e.op != nil {
		return opFields(e, rec, from)
	}
	if !e.hasAtts {
		return e.body.Fields, nil
	}
	final := make(map[string]store.Attachment, len(e.atts))
	var base map[string]store.Attachment
	baseLoaded := false
	for _, in := range e.atts {
		a := in.att
		if in.blob != nil {
			if e.newEdits || a.Revpos <= 0 || a.Revpos > pos {
				a.Revpos = pos
			}
			final[in.name] = a
			continue
		}
		if !baseLoaded {
			baseLoaded = true
			for _, r := range from {
				if body, ok := rec.bodies[r]; ok {
					base, _ = store.Stubs(body)
					break
				}
			}
		}
		old, ok := base[in.name]
		if ok && (a.Digest == "" || a.Digest == old.Digest) {
			final[in.name] = old
			continue
		}
		found := false
		if a.Digest != "" { // the same content under another name or revision
			for _, body := range rec.bodies {
				atts, _ := store.Stubs(body)
				for _, o := range atts {
					if o.Digest == a.Digest && o.Stub {
						o.Name = in.name
						final[in.name] = o
						found = true
						break
					}
				}
				if found {
					break
				}
			}
		}
		if !found {
			return nil, store.MissingStub(in.name)
		}
	}
	if len(final) == 0 {
		return e.body.Fields, nil
	}
	return store.SetMember(e.body.Fields, "_attachments", store.RenderStubs(final))
}

// opFields applies a PutAttachment or DeleteAttachment to the body of the
// parent revision (from[0], absent for a new document).
func opFields(e *edit, rec *record, from []revtree.Rev) ([]byte, error) {
	fields := []byte(`{}`)
	if len(from) > 0 {
		if body, ok := rec.bodies[from[0]]; ok {
			fields = body
		}
	}
	atts, err := store.Stubs(fields)
	if err != nil {
		return nil, err
	}
	if atts == nil {
		atts = map[string]store.Attachment{}
	}
	if e.op.blob == nil {
		if _, ok := atts[e.op.name]; !ok {
			return nil, store.MissingAttachment()
		}
		delete(atts, e.op.name)
	} else {
		pos := 1
		if len(from) > 0 {
			pos = from[0].Pos + 1
		}
		atts[e.op.name] = store.Attachment{Name: e.op.name, ContentType: e.op.contentType, Revpos: pos,
			Digest: e.op.blob.digest, Length: e.op.blob.length}
	}
	var val json.RawMessage
	if len(atts) > 0 {
		val = store.RenderStubs(atts)
	}
	return store.SetMember(fields, "_attachments", val)
}

// blobKeys returns the blobs referenced by a record's kept bodies.
func (r *record) blobKeys() map[string]bool {
	var keys map[string]bool
	for _, body := range r.bodies {
		if !bytes.Contains(body, []byte(`"_attachments"`)) {
			continue
		}
		atts, _ := store.Stubs(body)
		for _, a := range atts {
			if !a.Stub {
				continue
			}
			if k, ok := keyOf(a.Digest); ok {
				if keys == nil {
					keys = map[string]bool{}
				}
				keys[k] = true
			}
		}
	}
	return keys
}

// updateRefs counts the blobs a record gained and forgets those it lost
// (before: the record's keys before the write).
func (st *txState) updateRefs(before, after map[string]bool) error {
	for k := range after {
		if before[k] {
			continue
		}
		if _, err := adjustRef(st.blobs, k, 1, st.pinned[k]); err != nil {
			return err
		}
	}
	for k := range before {
		if after[k] {
			continue
		}
		gone, err := adjustRef(st.blobs, k, -1, nil)
		if err != nil {
			return err
		}
		if gone {
			st.dropped = append(st.dropped, k)
		}
	}
	return nil
}

// OpenAttachment opens the content of an attachment of the winner (rev
// empty) or of a kept revision.
func (d *DB) OpenAttachment(ctx context.Context, id, rev, name string) (store.Attachment, io.ReadSeekCloser, error) {
	var att store.Attachment
	var legacy []byte
	// Readers hold mu (shared) from the lookup to the open, so that the
	// collector cannot remove the content in between.
	d.s.blobs.mu.RLock()
	defer d.s.blobs.mu.RUnlock()
	err := d.view(ctx, func(b *buckets) error {
		rec, err := b.record(id)
		if err != nil {
			return err
		}
		if rec == nil {
			return store.NotFound(store.ReasonMissing)
		}
		var body []byte
		if rev == "" {
			w, wb := rec.winner()
			if w.Deleted {
				return store.NotFound(store.ReasonDeleted)
			}
			body = wb
		} else {
			r, err := revtree.ParseRev(rev)
			if err != nil {
				return store.BadRequest("Invalid rev format")
			}
			var ok bool
			if body, ok = rec.bodies[r]; !ok {
				return store.NotFound(store.ReasonMissing)
			}
		}
		atts, err := store.Stubs(body)
		if err != nil {
			return err
		}
		a, ok := atts[name]
		if !ok {
			return store.MissingAttachment()
		}
		att = a
		if !a.Stub { // stored inline before attachments were blobs
			legacy, err = legacyData(body, name)
			att.Length = int64(len(legacy))
			return err
		}
		return nil
	})
	if err != nil {
		return att, nil, err
	}
	if legacy != nil {
		return att, nopSeekCloser{bytes.NewReader(legacy)}, nil
	}
	key, ok := keyOf(att.Digest)
	if !ok {
		return att, nil, store.MissingAttachment()
	}
	f, err := d.s.blobs.open(key)
	if err != nil {
		return att, nil, fmt.Errorf("open attachment %s of %s: %w", name, id, err)
	}
	return att, f, nil
}

type nopSeekCloser struct{ *bytes.Reader }

func (nopSeekCloser) Close() error { return nil }

// legacyData decodes the inline data of an attachment stored as sent.
func legacyData(body []byte, name string) ([]byte, error) {
	var atts map[string]struct {
		Data string `json:"data"`
	}
	if err := json.Unmarshal(store.Member(body, "_attachments"), &atts); err != nil {
		return nil, store.MissingAttachment()
	}
	data, err := base64.StdEncoding.DecodeString(atts[name].Data)
	if err != nil {
		return nil, store.MissingAttachment()
	}
	return data, nil
}

// PutAttachment streams r to a blob, then writes a revision on top of rev
// with the attachment set.
func (d *DB) PutAttachment(ctx context.Context, id, rev, name, contentType string, r io.Reader) (store.Result, error) {
	if err := d.checkAttachmentOp(id, name); err != nil {
		return store.Result{ID: id}, err
	}
	if contentType == "" {
		contentType = store.DefaultContentType
	}
	info, err := d.s.blobs.write(r)
	if err != nil {
		return store.Result{ID: id}, err
	}
	defer d.s.blobs.unpin([]string{info.key})
	return d.writeOp(ctx, id, rev, &attOp{name: name, contentType: contentType, blob: &info})
}

// StageAttachment stores r as a pinned blob for a following Put.
func (d *DB) StageAttachment(ctx context.Context, r io.Reader) (store.Staged, func(), error) {
	if err := ctx.Err(); err != nil {
		return store.Staged{}, nil, err
	}
	info, err := d.s.blobs.write(r)
	if err != nil {
		return store.Staged{}, nil, err
	}
	var once sync.Once
	release := func() { once.Do(func() { d.s.blobs.unpin([]string{info.key}) }) }
	return store.Staged{Digest: info.digest, Length: info.length}, release, nil
}

// DeleteAttachment writes a revision on top of rev without the attachment.
func (d *DB) DeleteAttachment(ctx context.Context, id, rev, name string) (store.Result, error) {
	if err := d.checkAttachmentOp(id, name); err != nil {
		return store.Result{ID: id}, err
	}
	if rev == "" {
		return store.Result{ID: id}, store.Conflict()
	}
	return d.writeOp(ctx, id, rev, &attOp{name: name})
}

func (d *DB) checkAttachmentOp(id, name string) error {
	if d.invalid != nil {
		return d.invalid
	}
	if err := store.CheckID(id); err != nil {
		return err
	}
	if strings.HasPrefix(id, store.LocalPrefix) {
		return store.BadRequest("_local documents have no attachments")
	}
	return store.CheckAttachmentName(name)
}

func (d *DB) writeOp(ctx context.Context, id, rev string, op *attOp) (store.Result, error) {
	e := edit{id: id, rev: rev, newEdits: true, op: op, body: store.ParsedBody{Fields: []byte(`{}`)}}
	res, err := d.write(ctx, []edit{e})
	if err != nil {
		return store.Result{ID: id}, err
	}
	return res[0], res[0].Err
}

// destroyRefs forgets the blob references of every document of a
// database being destroyed, in its transaction.
func destroyRefs(tx *bbolt.Tx, root *bbolt.Bucket) ([]string, error) {
	bk := tx.Bucket(blobBucket)
	docs := root.Bucket(bDocs)
	if bk == nil || docs == nil {
		return nil, nil
	}
	var dropped []string
	err := docs.ForEach(func(_, v []byte) error {
		if !bytes.Contains(v, []byte(`"_attachments"`)) {
			return nil
		}
		rec, err := decodeRecord(v)
		if err != nil {
			return err
		}
		for k := range rec.blobKeys() {
			gone, err := adjustRef(bk, k, -1, nil)
			if err != nil {
				return err
			}
			if gone {
				dropped = append(dropped, k)
			}
		}
		return nil
	})
	return dropped, err
}
