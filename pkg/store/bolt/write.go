package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	bbolt "go.etcd.io/bbolt"

	"github.com/cozypi/cozy/pkg/ident"
	"github.com/cozypi/cozy/pkg/revtree"
	"github.com/cozypi/cozy/pkg/store"
)

// edit is one parsed write request.
type edit struct {
	id       string
	body     store.ParsedBody
	rev      string
	deleted  bool
	newEdits bool
	err      error // set when the request is invalid: reported, not applied
	// refuseAll marks an err that refuses a whole _bulk_docs request, as
	// CouchDB does (an illegal id, no id or no rev with new_edits=false).
	refuseAll bool
	// Attachments (attach.go): body.Fields is without "_attachments" when
	// hasAtts, whose entries are atts; op is a PutAttachment or
	// DeleteAttachment on the parent's body.
	hasAtts bool
	atts    []attIn
	op      *attOp
	staged  map[string]store.Staged
}

// txState carries the per-transaction counters and caches of one doctype.
type txState struct {
	b                  *buckets
	start              uint64 // the sequence before this transaction's writes
	seq, docs, deleted uint64
	indexes            []*liveIndex
	indexesLoaded      bool
	views              []*liveView
	viewsLoaded        bool
	events             []store.Event
	blobs              *bbolt.Bucket        // the _blobs bucket
	pinned             map[string]*blobInfo // blobs written for this write
	dropped            []string             // blobs no longer referenced
}

func (st *txState) save() error {
	for k, v := range map[string]uint64{"seq": st.seq, "docs": st.docs, "deleted": st.deleted} {
		if err := st.b.info.Put([]byte(k), u64(v)); err != nil {
			return err
		}
	}
	return st.saveViews()
}

// makeEdit turns a request body into an edit. id and rev, when non-empty,
// override the body's _id and _rev (they must agree when both are present).
func makeEdit(raw []byte, id, rev string, deleted, newEdits bool) edit {
	p, err := store.ParseBody(raw)
	return makeParsedEdit(p, err, raw, id, rev, deleted, newEdits)
}

// makeParsedEdit is makeEdit once the body is parsed (err: its parse error).
func makeParsedEdit(p store.ParsedBody, err error, raw []byte, id, rev string, deleted, newEdits bool) edit {
	e := edit{newEdits: newEdits}
	if err != nil {
		if id == "" { // best effort, to report the error against its id
			var withID struct {
				ID string `json:"_id"`
			}
			_ = json.Unmarshal(raw, &withID)
			id = withID.ID
		}
		e.id, e.err = id, err
		return e
	}
	e.body = p
	switch {
	case id == "":
		id = p.ID
	case p.ID != "" && p.ID != id:
		e.id, e.err = id, store.BadRequest("Document id mismatch: %q in the body, %q in the request", p.ID, id)
		return e
	}
	switch {
	case rev == "":
		rev = p.Rev
	case p.Rev != "" && p.Rev != rev:
		e.id, e.err = id, store.BadRequest("Document rev from request body and query string have different values")
		return e
	}
	if id == "" {
		if !newEdits {
			e.err, e.refuseAll = store.BadRequest("Document id is required with new_edits=false"), true
			return e
		}
		id = ident.DocID()
	}
	if err := store.CheckID(id); err != nil {
		e.id, e.err = id, err
		return e
	}
	local := strings.HasPrefix(id, store.LocalPrefix)
	if p.RevisionsErr != nil && !local {
		e.id, e.err = id, p.RevisionsErr
		return e
	}
	e.id, e.rev, e.deleted = id, rev, deleted || p.Deleted
	if !newEdits && e.rev == "" && p.Revisions == nil && !local {
		e.err, e.refuseAll = store.BadRequest("Document rev is required with new_edits=false"), true
	}
	return e
}

// Put writes one document.
func (d *DB) Put(ctx context.Context, doc store.Doc, opts store.PutOptions) (store.Result, error) {
	var e edit
	if opts.Parsed != nil {
		e = makeParsedEdit(*opts.Parsed, nil, doc.Body, doc.ID, doc.Rev, doc.Deleted, !opts.NoNewEdits)
	} else {
		e = makeEdit(doc.Body, doc.ID, doc.Rev, doc.Deleted, !opts.NoNewEdits)
	}
	e.staged = opts.Staged
	res, err := d.write(ctx, []edit{e})
	if err != nil {
		return store.Result{ID: e.id}, err
	}
	return res[0], res[0].Err
}

// Delete writes a deletion on top of rev.
func (d *DB) Delete(ctx context.Context, id, rev string) (store.Result, error) {
	if rev == "" {
		return store.Result{ID: id}, store.Conflict()
	}
	return d.Put(ctx, store.Doc{ID: id, Rev: rev, Deleted: true, Body: json.RawMessage(`{}`)}, store.PutOptions{})
}

// BulkChunk is the number of documents of a bulk write committed per
// transaction. A bulk holds the instance's writers for one chunk at a
// time, not for the whole bulk: a single write queued meanwhile is
// committed with the next chunk.
const BulkChunk = 250

// BulkDocs writes documents in transactions of BulkChunk documents,
// reporting per document. Each document is independently written or
// refused, as in CouchDB; the results are returned once every chunk is
// committed. A failure of the storage or a cancelled ctx stops the bulk:
// the chunks committed before stay.
func (d *DB) BulkDocs(ctx context.Context, docs []json.RawMessage, newEdits bool) ([]store.Result, error) {
	return d.BulkDocsStaged(ctx, docs, nil, newEdits)
}

// BulkDocsStaged is BulkDocs with the staged contents of the attachments
// that follow, per document.
func (d *DB) BulkDocsStaged(ctx context.Context, docs []json.RawMessage, staged []map[string]store.Staged, newEdits bool) ([]store.Result, error) {
	if len(docs) == 0 {
		return d.write(ctx, nil) // creates the database, as every write does
	}
	all := make([]edit, len(docs))
	for i, raw := range docs {
		all[i] = makeEdit(raw, "", "", false, newEdits)
		if i < len(staged) {
			all[i].staged = staged[i]
		}
		var se *store.Error
		if errors.As(all[i].err, &se) && (se.Code == "illegal_docid" || all[i].refuseAll) {
			return nil, se // the whole request is refused, as CouchDB does
		}
	}
	results := make([]store.Result, 0, len(docs))
	for start := 0; start < len(docs); start += BulkChunk {
		edits := all[start:min(start+BulkChunk, len(docs))]
		res, err := d.write(ctx, edits)
		if err != nil {
			return nil, err
		}
		results = append(results, res...)
	}
	return results, nil
}

// write applies edits in one batched transaction and publishes the events.
// Inline attachment data is stored first (pinned until the write is over).
func (d *DB) write(ctx context.Context, edits []edit) ([]store.Result, error) {
	if err := d.validate(ctx, edits); err != nil {
		return nil, err
	}
	keys, err := d.prepareAttachments(edits)
	defer d.s.blobs.unpin(keys)
	if err != nil {
		return nil, err
	}
	pinned := map[string]*blobInfo{}
	for _, e := range edits {
		for _, in := range e.atts {
			if in.blob != nil {
				pinned[in.blob.key] = in.blob
			}
		}
		if e.op != nil && e.op.blob != nil {
			pinned[e.op.blob.key] = e.op.blob
		}
	}
	var results []store.Result
	err = d.update(ctx, func(st *txState) error {
		st.pinned = pinned
		results = make([]store.Result, len(edits))
		for i, e := range edits {
			res, err := d.applyEdit(st, e)
			if err != nil {
				return fmt.Errorf("write %q: %w", e.id, err)
			}
			results[i] = res
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// applyEdit routes an edit to the _local or the regular path.
func (d *DB) applyEdit(st *txState, e edit) (store.Result, error) {
	if e.err != nil {
		return store.Result{ID: e.id, Err: e.err}, nil
	}
	if strings.HasPrefix(e.id, store.LocalPrefix) {
		return d.putLocalTx(st.b, strings.TrimPrefix(e.id, store.LocalPrefix), e.body.Fields, e.rev, e.deleted)
	}
	return d.apply(st, e)
}

// update runs fn in a batched write transaction (group commit), creating
// the database if needed, then wakes change waiters and publishes the
// events fn recorded. fn may run more than once (see batch).
func (d *DB) update(ctx context.Context, fn func(st *txState) error) error {
	if d.invalid != nil {
		return d.invalid
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var events []store.Event
	var dropped []string
	err := d.s.batch(func(tx *bbolt.Tx) error {
		events, dropped = nil, nil
		b, err := d.create(tx)
		if err != nil {
			return err
		}
		seq := getU64(b.info, "seq")
		st := &txState{b: b, start: seq, seq: seq, docs: getU64(b.info, "docs"), deleted: getU64(b.info, "deleted"),
			blobs: tx.Bucket(blobBucket)}
		if err := fn(st); err != nil {
			return err
		}
		events, dropped = st.events, st.dropped
		return st.save()
	})
	if err != nil {
		return mapErr(err)
	}
	d.s.blobs.collect(dropped)
	if len(events) > 0 {
		d.s.notify(d.doctype)
	}
	for _, ev := range events {
		if strings.HasPrefix(ev.Doc.ID, store.DesignPrefix) {
			d.s.forgetValidators()
			break
		}
	}
	for _, ev := range events {
		d.s.bus.Publish(ev)
	}
	return nil
}

// apply writes one document edit. Errors about the document go in the
// result; the error return is for storage failures.
func (d *DB) apply(st *txState, e edit) (store.Result, error) {
	res := store.Result{ID: e.id}
	// Go views are checked (built if stale) before the first write of the
	// transaction, so that they are current at st.start.
	if _, err := d.loadViews(st); err != nil {
		return res, err
	}
	key := []byte(e.id)
	var rec *record
	if raw := st.b.docs.Get(key); raw != nil {
		var err error
		if rec, err = decodeRecord(raw); err != nil {
			return res, err
		}
	}
	existed := rec != nil
	var before map[string]bool
	if existed {
		before = rec.blobKeys()
	}
	var oldWinner revtree.Leaf
	var oldBody []byte
	if existed {
		oldWinner, oldBody = rec.winner()
	} else {
		rec = &record{tree: revtree.New(), bodies: map[revtree.Rev][]byte{}}
	}

	var newRev revtree.Rev
	if e.newEdits {
		var parent revtree.Rev
		if e.rev == "" {
			if existed && !oldWinner.Deleted {
				res.Err = store.Conflict()
				return res, nil
			}
			if existed {
				parent = oldWinner.Rev
			}
		} else {
			p, err := revtree.ParseRev(e.rev)
			if err != nil {
				if revShaped(e.rev) { // "N-x_y": no such leaf, as CouchDB answers
					res.Err = store.Conflict()
				} else {
					res.Err = store.BadRequest("Invalid rev format")
				}
				return res, nil
			}
			if !existed || !rec.tree.IsLeaf(p) {
				res.Err = store.Conflict()
				return res, nil
			}
			parent = p
		}
		var from []revtree.Rev
		if !parent.IsZero() {
			from = []revtree.Rev{parent}
		}
		fields, err := attFields(&e, rec, from, parent.Pos+1)
		if err != nil {
			return docErr(res, err)
		}
		e.body.Fields = fields
		newRev = revtree.Rev{Pos: parent.Pos + 1, Hash: revtree.NewRevHash(e.deleted, parent, e.body.Fields)}
		path := revtree.Path{Start: newRev.Pos, IDs: []string{newRev.Hash}, Deleted: e.deleted}
		if !parent.IsZero() {
			path.IDs = append(path.IDs, parent.Hash)
		}
		added, err := rec.tree.Merge(path)
		if err != nil || !added {
			res.Err = store.Conflict()
			return res, nil
		}
	} else {
		var path revtree.Path
		if e.body.Revisions != nil {
			path = *e.body.Revisions // it wins over a different _rev, as in CouchDB
		} else {
			r, err := revtree.ParseRev(e.rev)
			if err != nil {
				res.Err = store.BadRequest("Invalid rev format")
				return res, nil
			}
			path = revtree.Path{Start: r.Pos, IDs: []string{r.Hash}}
		}
		path.Deleted = e.deleted
		newRev = path.Leaf()
		res.Rev = newRev.String()
		if rec.tree.Has(newRev) {
			return res, nil // already known: nothing to do, as CouchDB
		}
		fields, err := attFields(&e, rec, path.Revs()[1:], newRev.Pos)
		if err != nil {
			return docErr(res, err)
		}
		e.body.Fields = fields
		added, err := rec.tree.Merge(path)
		if err != nil {
			res.Err = store.BadRequest("%v", err)
			return res, nil
		}
		if !added {
			return res, nil // already known: nothing to do, as CouchDB
		}
	}
	res.Rev = newRev.String()
	rec.bodies[newRev] = e.body.Fields
	limit, err := st.revsLimit()
	if err != nil {
		return res, err
	}
	for _, r := range rec.tree.Stem(limit) {
		delete(rec.bodies, r)
	}
	rec.pruneBodies(KeptRevisions)
	newWinner, newBody := rec.winner()
	if err := st.updateRefs(before, rec.blobKeys()); err != nil {
		return res, err
	}

	// Counters.
	switch {
	case !existed:
	case oldWinner.Deleted:
		st.deleted--
	default:
		st.docs--
	}
	if newWinner.Deleted {
		st.deleted++
	} else {
		st.docs++
	}
	// Sequence.
	if existed {
		if err := st.b.seqs.Delete(u64(rec.seq)); err != nil {
			return res, err
		}
	}
	st.seq++
	rec.seq = st.seq
	if err := st.b.seqs.Put(u64(st.seq), key); err != nil {
		return res, err
	}
	enc, err := rec.encode()
	if err != nil {
		return res, err
	}
	if err := st.b.docs.Put(key, enc); err != nil {
		return res, err
	}

	var oldDoc *store.Doc
	if existed {
		oldDoc = &store.Doc{ID: e.id, Rev: oldWinner.Rev.String(), Deleted: oldWinner.Deleted,
			Body: store.RenderDoc(e.id, oldWinner.Rev.String(), oldBody, store.Meta{Deleted: oldWinner.Deleted})}
	}
	newDoc := store.Doc{ID: e.id, Rev: newWinner.Rev.String(), Deleted: newWinner.Deleted,
		Body: store.RenderDoc(e.id, newWinner.Rev.String(), newBody, store.Meta{Deleted: newWinner.Deleted})}

	// Indexes, in the same transaction.
	if strings.HasPrefix(e.id, store.DesignPrefix) {
		if err := d.syncIndexes(st); err != nil {
			return res, err
		}
		if err := d.dropJSViews(st, e.id, &newDoc); err != nil {
			return res, err
		}
	} else if !existed || oldWinner.Rev != newWinner.Rev {
		ch := &winnerChange{id: e.id, old: oldDoc, new: &newDoc}
		if err := d.updateIndexes(st, ch); err != nil {
			return res, err
		}
		if err := d.updateViews(st, ch); err != nil {
			return res, err
		}
	}
	st.events = append(st.events, store.Event{
		Doctype: d.doctype, Verb: store.VerbFor(oldDoc, newWinner.Deleted), Doc: newDoc, OldDoc: oldDoc, Seq: st.seq,
	})
	return res, nil
}

// docErr puts a document's error (a *store.Error) in its result; any other
// error is a failure of the write.
func docErr(res store.Result, err error) (store.Result, error) {
	var se *store.Error
	if errors.As(err, &se) {
		res.Err = se
		return res, nil
	}
	return res, err
}

// revShaped reports whether rev looks like a revision ("N-hash" with a
// positive N and a non-empty hash) even though its hash has characters
// revisions never hold.
func revShaped(rev string) bool {
	pos, hash, ok := strings.Cut(rev, "-")
	if !ok || hash == "" || pos == "" || pos[0] == '0' {
		return false
	}
	for _, c := range pos {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
