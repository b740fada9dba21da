package bolt

import (
	"context"
	"encoding/binary"
	"errors"

	"github.com/cozypi/cozy/pkg/store"
)

// Streaming listings (EachChange, EachAllDocs, EachFind) read rows in
// batches: one read transaction collects at most batchRows rows or about
// batchBytes of documents, ends, and only then are the rows handed to the
// caller, whose callback may write to a slow network peer. The next batch
// resumes after the last key read. Holding one read transaction for a
// whole answer would let a slow client pin the pages writers free (the
// file grows) and block the writer that needs to grow the memory map.
const (
	batchRows  = 256
	batchBytes = 1 << 20
)

// Changes lists, in sequence order, the latest change of every document
// changed after opts.Since (deleted documents included, _local ones never).
func (d *DB) Changes(ctx context.Context, o store.ChangesOptions) (store.ChangesResult, error) {
	var rows []store.Change
	res, err := d.EachChange(ctx, o, func(ch store.Change) error {
		rows = append(rows, ch)
		return nil
	})
	res.Results = rows
	return res, err
}

// EachChange is Changes calling fn for each change, in batches.
func (d *DB) EachChange(ctx context.Context, o store.ChangesOptions, fn func(store.Change) error) (store.ChangesResult, error) {
	var res store.ChangesResult
	var ids map[string]bool
	if o.DocIDs != nil {
		ids = make(map[string]bool, len(o.DocIDs))
		for _, id := range o.DocIDs {
			ids[id] = true
		}
	}
	var (
		pos      uint64 // the last sequence read; 0: none yet
		started  bool
		sent     int
		lastSent uint64
		batch    []store.Change
	)
	for {
		batch = batch[:0]
		done, limited := false, false
		var updateSeq uint64
		err := d.view(ctx, func(b *buckets) error {
			updateSeq = getU64(b.info, "seq")
			c := b.seqs.Cursor()
			var k, v []byte
			switch {
			case !o.Descending && !started:
				k, v = c.Seek(u64(o.Since + 1))
			case !o.Descending:
				k, v = c.Seek(u64(pos + 1))
			case !started:
				k, v = c.Last()
			default: // the last key below pos
				if k, _ = c.Seek(u64(pos)); k == nil {
					k, v = c.Last()
				} else {
					k, v = c.Prev()
				}
				for k != nil && binary.BigEndian.Uint64(k) >= pos {
					k, v = c.Prev()
				}
			}
			next := c.Next
			if o.Descending {
				next = c.Prev
			}
			size := 0
			for ; k != nil; k, v = next() {
				if len(batch) >= batchRows || size >= batchBytes {
					return nil
				}
				seq := binary.BigEndian.Uint64(k)
				if o.Descending && seq <= o.Since && o.Since > 0 {
					break
				}
				if o.Limit > 0 && sent+len(batch) >= o.Limit {
					limited = true
					break
				}
				pos, started = seq, true
				id := string(v)
				if ids != nil && !ids[id] {
					continue
				}
				raw := b.docs.Get(v)
				if raw == nil {
					continue
				}
				size += 64
				if !o.AllDocs && !o.IncludeDocs && o.Match == nil {
					_, rev, deleted, _, err := peekWinner(raw)
					if err != nil {
						return err
					}
					batch = append(batch, store.Change{Seq: seq, ID: id, Deleted: deleted, Revs: []string{rev}})
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
						size += len(doc.Body)
					}
				}
				batch = append(batch, ch)
			}
			done = true
			return nil
		})
		if err != nil {
			return res, err
		}
		for _, ch := range batch {
			err := fn(ch)
			if errors.Is(err, store.ErrStop) {
				res.LastSeq = ch.Seq
				if !o.Descending {
					res.Pending, err = d.pendingAfter(ctx, ch.Seq)
				} else {
					err = nil
				}
				return res, err
			}
			if err != nil {
				return res, err
			}
			sent++
			lastSent = ch.Seq
		}
		if !done {
			continue
		}
		switch {
		case sent > 0 && (limited || o.Descending):
			res.LastSeq = lastSent
		case o.Descending:
			res.LastSeq = o.Since
		default:
			res.LastSeq = max(updateSeq, o.Since)
		}
		if limited && !o.Descending {
			res.Pending, err = d.pendingAfter(ctx, res.LastSeq)
		}
		return res, err
	}
}

// pendingAfter counts the changes after seq.
func (d *DB) pendingAfter(ctx context.Context, seq uint64) (int64, error) {
	var n int64
	err := d.view(ctx, func(b *buckets) error {
		c := b.seqs.Cursor()
		for k, _ := c.Seek(u64(seq + 1)); k != nil; k, _ = c.Next() {
			n++
		}
		return nil
	})
	return n, err
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
