package bolt

import (
	"context"
	"encoding/binary"

	"github.com/cozypi/cozy/pkg/store"
)

// Changes lists, in sequence order, the latest change of every document
// changed after opts.Since (deleted documents included, _local ones never).
func (d *DB) Changes(ctx context.Context, o store.ChangesOptions) (store.ChangesResult, error) {
	var res store.ChangesResult
	var ids map[string]bool
	if o.DocIDs != nil {
		ids = make(map[string]bool, len(o.DocIDs))
		for _, id := range o.DocIDs {
			ids[id] = true
		}
	}
	err := d.view(ctx, func(b *buckets) error {
		updateSeq := getU64(b.info, "seq")
		c := b.seqs.Cursor()
		var k, v []byte
		if o.Descending {
			k, v = c.Last()
		} else {
			k, v = c.Seek(u64(o.Since + 1))
		}
		next := c.Next
		if o.Descending {
			next = c.Prev
		}
		limited := false
		for n := 0; k != nil; k, v = next() {
			if n++; n%1024 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			seq := binary.BigEndian.Uint64(k)
			if o.Descending && seq <= o.Since && o.Since > 0 {
				break
			}
			if o.Limit > 0 && len(res.Results) >= o.Limit {
				limited = true
				break
			}
			id := string(v)
			if ids != nil && !ids[id] {
				continue
			}
			raw := b.docs.Get(v)
			if raw == nil {
				continue
			}
			if !o.AllDocs && !o.IncludeDocs && o.Match == nil {
				_, rev, deleted, _, err := peekWinner(raw)
				if err != nil {
					return err
				}
				res.Results = append(res.Results, store.Change{Seq: seq, ID: id, Deleted: deleted, Revs: []string{rev}})
				continue
			}
			rec, err := decodeRecord(raw)
			if err != nil {
				return err
			}
			w, _ := rec.winner()
			ch := store.Change{Seq: seq, ID: id, Deleted: w.Deleted}
			if o.AllDocs {
				for _, l := range rec.tree.Leaves() {
					ch.Revs = append(ch.Revs, l.Rev.String())
				}
			} else {
				ch.Revs = []string{w.Rev.String()}
			}
			if o.IncludeDocs || o.Match != nil {
				doc := render(id, rec, w, store.GetOptions{Conflicts: o.Conflicts})
				if o.Match != nil {
					m, err := store.DecodeDoc(doc.Body)
					if err != nil || !o.Match(m) {
						continue
					}
				}
				if o.IncludeDocs {
					ch.Doc = doc.Body
				}
			}
			res.Results = append(res.Results, ch)
		}
		switch {
		case len(res.Results) > 0 && (limited || o.Descending):
			res.LastSeq = res.Results[len(res.Results)-1].Seq
		case o.Descending:
			res.LastSeq = o.Since
		default:
			res.LastSeq = max(updateSeq, o.Since)
		}
		if limited && !o.Descending {
			for k, _ := c.Seek(u64(res.LastSeq + 1)); k != nil; k, _ = c.Next() {
				res.Pending++
			}
		}
		return nil
	})
	return res, err
}

// WaitChanges returns nil when the update sequence is above since, or ctx's
// error. It returns a not_found error if the database does not exist.
func (d *DB) WaitChanges(ctx context.Context, since uint64) error {
	for {
		ch := d.s.waitChan(d.doctype)
		info, err := d.Info(ctx)
		if err != nil {
			return err
		}
		if info.UpdateSeq > since {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
