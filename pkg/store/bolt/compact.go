package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"slices"

	"github.com/cozypi/cozy/pkg/revtree"
	"github.com/cozypi/cozy/pkg/store"
)

// Revisions kept, compaction and the revision limit. As in CouchDB, the
// body of a revision that an update replaced is kept (GET ?rev= still
// reads it, its attachments are still referenced) until the database is
// compacted. Unlike CouchDB, whose compaction runs in the background,
// each document also keeps at most KeptRevisions such bodies: a document
// updated often must not grow without bound between compactions.

// KeptRevisions bounds the replaced revisions whose bodies a document
// keeps until compaction (leaves are always kept).
const KeptRevisions = 20

// compactChunk is the number of documents compacted per transaction.
const compactChunk = 500

// pruneBodies drops the bodies of non-leaf revisions beyond the newest
// keep (by generation, then hash).
func (r *record) pruneBodies(keep int) {
	if len(r.bodies) <= keep+1 {
		return
	}
	var old []revtree.Rev
	for rev := range r.bodies {
		if !r.tree.Has(rev) {
			delete(r.bodies, rev)
			continue
		}
		if !r.tree.IsLeaf(rev) {
			old = append(old, rev)
		}
	}
	if len(old) <= keep {
		return
	}
	slices.SortFunc(old, func(a, b revtree.Rev) int {
		if b.Less(a) {
			return -1
		}
		if a.Less(b) {
			return 1
		}
		return 0
	})
	for _, rev := range old[keep:] {
		delete(r.bodies, rev)
	}
}

// compact drops the bodies of every non-leaf revision; it reports
// whether there were some.
func (r *record) compact() bool {
	leaves := map[revtree.Rev]bool{}
	for _, l := range r.tree.Leaves() {
		leaves[l.Rev] = true
	}
	changed := false
	for rev := range r.bodies {
		if !leaves[rev] {
			delete(r.bodies, rev)
			changed = true
		}
	}
	return changed
}

// Compact drops the bodies of replaced revisions of every document (and
// the attachment contents only they referenced), in transactions of
// compactChunk documents. The update sequence does not change.
func (d *DB) Compact(ctx context.Context) error {
	if _, err := d.Info(ctx); err != nil {
		return err
	}
	var after []byte
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var next []byte
		done := false
		err := d.update(ctx, func(st *txState) error {
			next, done = nil, false
			c := st.b.docs.Cursor()
			k, v := c.First()
			if after != nil {
				k, v = c.Seek(after)
				if k != nil && bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			type rewrite struct{ key, val []byte }
			var writes []rewrite
			n := 0
			for ; k != nil && n < compactChunk; k, v = c.Next() {
				n++
				next = append(next[:0], k...)
				rec, err := decodeRecord(v)
				if err != nil {
					return err
				}
				before := rec.blobKeys()
				if !rec.compact() {
					continue
				}
				if err := st.updateRefs(before, rec.blobKeys()); err != nil {
					return err
				}
				enc, err := rec.encode()
				if err != nil {
					return err
				}
				writes = append(writes, rewrite{append([]byte(nil), k...), enc})
			}
			done = k == nil
			for _, w := range writes {
				if err := st.b.docs.Put(w.key, w.val); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if done || next == nil {
			return nil
		}
		after = next
	}
}

// revsLimit is the database's revision limit (_revs_limit).
func (st *txState) revsLimit() (int, error) {
	if v := st.b.info.Get([]byte("revs_limit")); len(v) == 8 {
		return int(binary.BigEndian.Uint64(v)), nil
	}
	return revtree.DefaultRevsLimit, nil
}

// RevsLimit returns how many revisions of each branch documents keep.
func (d *DB) RevsLimit(ctx context.Context) (int, error) {
	n := revtree.DefaultRevsLimit
	err := d.view(ctx, func(b *buckets) error {
		if v := b.info.Get([]byte("revs_limit")); len(v) == 8 {
			n = int(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	return n, err
}

// SetRevsLimit sets the revision limit, applied from the next write of
// each document.
func (d *DB) SetRevsLimit(ctx context.Context, n int) error {
	if n < 1 {
		return store.BadRequest("_revs_limit must be a positive integer")
	}
	return d.update(ctx, func(st *txState) error {
		return st.b.info.Put([]byte("revs_limit"), u64(uint64(n)))
	})
}
