package bolt

import (
	"bytes"
	"context"
	"strings"

	"github.com/cozypi/cozy/pkg/store"
)

// AllDocs lists documents in raw id order (_all_docs, _design_docs,
// cozy's _normal_docs with ExcludeDesignDocs).
func (d *DB) AllDocs(ctx context.Context, o store.AllDocsOptions) (store.AllDocsResult, error) {
	var res store.AllDocsResult
	err := d.view(ctx, func(b *buckets) error {
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
		res.TotalRows = int64(getU64(b.info, "docs"))
		switch {
		case o.OnlyDesignDocs:
			res.TotalRows = design
		case o.ExcludeDesignDocs:
			res.TotalRows -= design
		}
		if o.Keys != nil {
			return d.allDocsKeys(b, o, &res)
		}
		return d.allDocsRange(ctx, b, o, &res)
	})
	return res, err
}

func (d *DB) row(id string, rec *record, o store.AllDocsOptions) store.AllDocsRow {
	w, _ := rec.winner()
	row := store.AllDocsRow{ID: id, Rev: w.Rev.String(), Deleted: w.Deleted}
	if o.IncludeDocs && !w.Deleted {
		row.Doc = render(id, rec, w, store.GetOptions{Conflicts: o.Conflicts}).Body
	}
	return row
}

func (d *DB) allDocsKeys(b *buckets, o store.AllDocsOptions, res *store.AllDocsResult) error {
	keys := o.Keys
	if o.Descending {
		keys = make([]string, len(o.Keys))
		for i, k := range o.Keys {
			keys[len(keys)-1-i] = k
		}
	}
	for i, id := range keys {
		if i < o.Skip {
			continue
		}
		if o.Limit > 0 && len(res.Rows) >= o.Limit {
			break
		}
		rec, err := b.record(id)
		if err != nil {
			return err
		}
		if rec == nil {
			res.Rows = append(res.Rows, store.AllDocsRow{ID: id, Err: store.NotFound("not_found")})
			continue
		}
		res.Rows = append(res.Rows, d.row(id, rec, o))
	}
	return nil
}

func (d *DB) allDocsRange(ctx context.Context, b *buckets, o store.AllDocsOptions, res *store.AllDocsResult) error {
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
	next := c.Next
	if o.Descending {
		next = c.Prev
	}
	skipped := 0
	for n := 0; k != nil; k, v = next() {
		if n++; n%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
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
			return err
		}
		if deleted {
			continue
		}
		if skipped < o.Skip {
			skipped++
			continue
		}
		if o.Limit > 0 && len(res.Rows) >= o.Limit {
			break
		}
		if !o.IncludeDocs {
			res.Rows = append(res.Rows, store.AllDocsRow{ID: id, Rev: rev})
			continue
		}
		rec, err := decodeRecord(v)
		if err != nil {
			return err
		}
		res.Rows = append(res.Rows, d.row(id, rec, o))
	}
	res.Offset = o.Skip
	return nil
}
