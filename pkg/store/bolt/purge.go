package bolt

import (
	"context"

	"github.com/cozypi/cozy/pkg/revtree"
	"github.com/cozypi/cozy/pkg/store"
)

// Purge removes leaf revisions as if they had never been written (see
// revtree.Tree.Purge). A document left with revisions gets a new update
// sequence (its winner may have changed: indexes and the changes feed
// follow); a document left with none is removed altogether and
// published as deleted.
func (d *DB) Purge(ctx context.Context, revs map[string][]string) (map[string][]string, error) {
	parsed := make(map[string][]revtree.Rev, len(revs))
	for id, list := range revs {
		for _, s := range list {
			r, err := revtree.ParseRev(s)
			if err != nil {
				return nil, store.BadRequest("Invalid rev format: %q", s)
			}
			parsed[id] = append(parsed[id], r)
		}
	}
	if _, err := d.Info(ctx); err != nil {
		return nil, err
	}
	var out map[string][]string
	err := d.update(ctx, func(st *txState) error {
		out = map[string][]string{}
		if _, err := d.loadViews(st); err != nil {
			return err
		}
		for id, list := range parsed {
			if err := d.purgeOne(st, id, list, out); err != nil {
				return err
			}
		}
		return nil
	})
	d.s.forgetValidators() // a purged design document may have had a validate_doc_update
	return out, err
}

func (d *DB) purgeOne(st *txState, id string, revs []revtree.Rev, out map[string][]string) error {
	key := []byte(id)
	rec, err := st.b.record(id)
	if err != nil || rec == nil {
		return err
	}
	before := rec.blobKeys()
	oldWinner, oldBody := rec.winner()
	purged, removed := rec.tree.Purge(revs)
	if len(purged) == 0 {
		return nil
	}
	out[id] = revStrings(purged)
	for _, r := range removed {
		delete(rec.bodies, r)
	}
	if err := st.updateRefs(before, rec.blobKeys()); err != nil {
		return err
	}
	if oldWinner.Deleted {
		st.deleted--
	} else {
		st.docs--
	}
	if err := st.b.seqs.Delete(u64(rec.seq)); err != nil {
		return err
	}
	oldDoc := &store.Doc{ID: id, Rev: oldWinner.Rev.String(), Deleted: oldWinner.Deleted,
		Body: store.RenderDoc(id, oldWinner.Rev.String(), oldBody, store.Meta{Deleted: oldWinner.Deleted})}
	ch := &winnerChange{id: id, old: oldDoc}
	if err := d.purgeJSViews(st, id); err != nil {
		return err
	}
	if rec.tree.Len() == 0 {
		if err := st.b.docs.Delete(key); err != nil {
			return err
		}
		if err := d.updateIndexes(st, ch); err != nil {
			return err
		}
		if err := d.updateViews(st, ch); err != nil {
			return err
		}
		st.seq++
		st.events = append(st.events, store.Event{Doctype: d.doctype, Verb: store.Deleted,
			Doc:    store.Doc{ID: id, Rev: oldDoc.Rev, Deleted: true, Body: store.RenderDoc(id, oldDoc.Rev, []byte(`{}`), store.Meta{Deleted: true})},
			OldDoc: oldDoc, Seq: st.seq})
		return nil
	}
	newWinner, newBody := rec.winner()
	if newWinner.Deleted {
		st.deleted++
	} else {
		st.docs++
	}
	st.seq++
	rec.seq = st.seq
	if err := st.b.seqs.Put(u64(st.seq), key); err != nil {
		return err
	}
	enc, err := rec.encode()
	if err != nil {
		return err
	}
	if err := st.b.docs.Put(key, enc); err != nil {
		return err
	}
	newDoc := store.Doc{ID: id, Rev: newWinner.Rev.String(), Deleted: newWinner.Deleted,
		Body: store.RenderDoc(id, newWinner.Rev.String(), newBody, store.Meta{Deleted: newWinner.Deleted})}
	if newWinner.Rev != oldWinner.Rev {
		ch.new = &newDoc
		if err := d.updateIndexes(st, ch); err != nil {
			return err
		}
		if err := d.updateViews(st, ch); err != nil {
			return err
		}
	}
	st.events = append(st.events, store.Event{Doctype: d.doctype, Verb: store.VerbFor(oldDoc, newWinner.Deleted),
		Doc: newDoc, OldDoc: oldDoc, Seq: st.seq})
	return nil
}
