package bolt

import (
	"bytes"
	"context"
	"errors"
	"strings"

	"github.com/cozypi/cozy/pkg/store"
)

// AllDocs lists documents in raw id order (_all_docs, _design_docs,
// cozy's _normal_docs with ExcludeDesignDocs).
func (d *DB) AllDocs(ctx context.Context, o store.AllDocsOptions) (store.AllDocsResult, error) {
	var rows []store.AllDocsRow
	res, err := d.EachAllDocs(ctx, o, func(r store.AllDocsRow) error {
		rows = append(rows, r)
		return nil
	})
	res.Rows = rows
	return res, err
}

// allDocsScan is the position of an _all_docs listing between batches.
type allDocsScan struct {
	started bool
	last    []byte // the last id read
	skipped int    // rows skipped so far (Skip)
	sent    int    // rows handed over so far (Limit)
	key     int    // with Keys: the index of the next key
}

// EachAllDocs is AllDocs calling fn for each row, in batches.
func (d *DB) EachAllDocs(ctx context.Context, o store.AllDocsOptions, fn func(store.AllDocsRow) error) (store.AllDocsResult, error) {
	var res store.AllDocsResult
	var sc allDocsScan
	var batch []store.AllDocsRow
	for first := true; ; first = false {
		batch = batch[:0]
		done := false
		err := d.view(ctx, func(b *buckets) error {
			if first {
				res.TotalRows = d.totalRows(b, o)
			}
			var err error
			if o.Keys != nil {
				done, err = d.allDocsKeys(b, o, &sc, &batch)
			} else {
				done, err = d.allDocsRange(b, o, &sc, &batch)
			}
			return err
		})
		if err != nil {
			return res, err
		}
		for _, r := range batch {
			if err := fn(r); errors.Is(err, store.ErrStop) {
				done = true
				break
			} else if err != nil {
				return res, err
			}
		}
		if done {
			if o.Keys == nil {
				res.Offset = o.Skip
			}
			return res, nil
		}
	}
}

// totalRows is the total_rows of a listing: the live documents, or only
// the design ones, or all but them.
func (d *DB) totalRows(b *buckets, o store.AllDocsOptions) int64 {
	design := int64(0)
	if o.ExcludeDesignDocs || o.OnlyDesignDocs {
		c := b.docs.Cursor()
		pre := []byte(store.DesignPrefix)
		for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
			if rec, err := decodeRecord(v); err == nil {
				if w, _ := rec.winner(); !w.Deleted {
					design++
				}
			}
		}
	}
	total := int64(getU64(b.info, "docs"))
	switch {
	case o.OnlyDesignDocs:
		return design
	case o.ExcludeDesignDocs:
		return total - design
	}
	return total
}

func (d *DB) row(id string, rec *record, o store.AllDocsOptions) store.AllDocsRow {
	w, _ := rec.winner()
	row := store.AllDocsRow{ID: id, Rev: w.Rev.String(), Deleted: w.Deleted}
	if o.IncludeDocs && !w.Deleted {
		row.Doc = render(id, rec, w, store.GetOptions{Conflicts: o.Conflicts}).Body
	}
	return row
}

// allDocsKeys reads the next batch of rows of a listing by keys; it
// reports whether the listing is over.
func (d *DB) allDocsKeys(b *buckets, o store.AllDocsOptions, sc *allDocsScan, batch *[]store.AllDocsRow) (bool, error) {
	size := 0
	for ; sc.key < len(o.Keys); sc.key++ {
		if len(*batch) >= batchRows || size >= batchBytes {
			return false, nil
		}
		i := sc.key
		if o.Descending {
			i = len(o.Keys) - 1 - sc.key
		}
		id := o.Keys[i]
		if sc.key < o.Skip {
			continue
		}
		if o.Limit > 0 && sc.sent >= o.Limit {
			return true, nil
		}
		rec, err := b.record(id)
		if err != nil {
			return false, err
		}
		sc.sent++
		if rec == nil {
			*batch = append(*batch, store.AllDocsRow{ID: id, Err: store.NotFound("not_found")})
			continue
		}
		r := d.row(id, rec, o)
		size += 64 + len(r.Doc)
		*batch = append(*batch, r)
	}
	return true, nil
}

// allDocsRange reads the next batch of rows of a listing by id range; it
// reports whether the listing is over.
func (d *DB) allDocsRange(b *buckets, o store.AllDocsOptions, sc *allDocsScan, batch *[]store.AllDocsRow) (bool, error) {
	start, end := o.StartKey, o.EndKey
	inclusiveEnd := o.InclusiveEnd
	if o.OnlyDesignDocs {
		// Clamp the range to "_design/" .. "_design0" (exclusive).
		lo, hi := store.DesignPrefix, "_design0"
		if o.Descending {
			lo, hi = hi, lo
		}
		if start == nil || (!o.Descending && *start < lo) || (o.Descending && *start > lo) {
			start = &lo
		}
		if end == nil || (!o.Descending && *end >= hi) || (o.Descending && *end < hi) {
			end, inclusiveEnd = &hi, o.Descending
		}
	}
	c := b.docs.Cursor()
	var k, v []byte
	switch {
	case sc.started && !o.Descending: // the first id after the last one read
		k, v = c.Seek(sc.last)
		if k != nil && bytes.Equal(k, sc.last) {
			k, v = c.Next()
		}
	case sc.started: // the last id before it
		if k, _ = c.Seek(sc.last); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for k != nil && bytes.Compare(k, sc.last) >= 0 {
			k, v = c.Prev()
		}
	case !o.Descending && start != nil:
		k, v = c.Seek([]byte(*start))
	case !o.Descending:
		k, v = c.First()
	case start != nil:
		k, v = c.Seek([]byte(*start))
		if k == nil {
			k, v = c.Last()
		} else if string(k) > *start {
			k, v = c.Prev()
		}
	default:
		k, v = c.Last()
	}
	sc.started = true
	next := c.Next
	if o.Descending {
		next = c.Prev
	}
	size := 0
	for ; k != nil; k, v = next() {
		if len(*batch) >= batchRows || size >= batchBytes {
			return false, nil
		}
		sc.last = append(sc.last[:0], k...)
		id := string(k)
		if end != nil {
			cmp := strings.Compare(id, *end)
			if o.Descending {
				cmp = -cmp
			}
			if cmp > 0 || (cmp == 0 && !inclusiveEnd) {
				break
			}
		}
		if o.ExcludeDesignDocs && strings.HasPrefix(id, store.DesignPrefix) {
			continue
		}
		_, rev, deleted, _, err := peekWinner(v)
		if err != nil {
			return false, err
		}
		if deleted {
			continue
		}
		if sc.skipped < o.Skip {
			sc.skipped++
			continue
		}
		if o.Limit > 0 && sc.sent >= o.Limit {
			break
		}
		sc.sent++
		if !o.IncludeDocs {
			size += 64
			*batch = append(*batch, store.AllDocsRow{ID: id, Rev: rev})
			continue
		}
		rec, err := decodeRecord(v)
		if err != nil {
			return false, err
		}
		r := d.row(id, rec, o)
		size += 64 + len(r.Doc)
		*batch = append(*batch, r)
	}
	return true, nil
}
