package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/cozypi/cozy/pkg/mango"
	"github.com/cozypi/cozy/pkg/store"
)

// Find runs a Mango query on the index chosen by mango.Plan.
func (d *DB) Find(ctx context.Context, q mango.Query) (store.FindResult, error) {
	start := time.Now()
	var res store.FindResult
	stats := &store.ExecutionStats{}
	err := d.view(ctx, func(b *buckets) error {
		list, err := d.designIndexes(b)
		if err != nil {
			return err
		}
		defs := make([]mango.IndexDef, len(list))
		for i, ix := range list {
			defs[i] = ix.def
		}
		plan, err := mango.Plan(q, defs)
		if err != nil {
			if errors.Is(err, mango.ErrNoUsableIndex) {
				return store.NoUsableIndex(err.Error())
			}
			return store.BadRequest("%v", err)
		}
		var bucket *bbolt.Bucket
		for _, ix := range list {
			if sameDDoc(ix.ddoc, plan.Index.DDoc) && ix.name == plan.Index.Name {
				bucket = b.idx.Bucket([]byte(ix.sig))
				break
			}
		}
		if bucket == nil {
			return store.NoUsableIndex("the planned index has no data")
		}
		limit := q.Limit
		if limit <= 0 {
			limit = mango.DefaultLimit
		}
		var after []byte
		if q.Bookmark != "" && q.Bookmark != "nil" {
			key, id, err := mango.DecodeBookmark(q.Bookmark)
			if err != nil {
				return store.BadRequest("invalid bookmark")
			}
			after = append(key, id...)
		}
		if plan.Empty() {
			return nil
		}
		skipped := 0
		var last, lastID []byte
		err = scan(ctx, bucket, plan, after, func(k, id []byte) (bool, error) {
			stats.TotalKeysExamined++
			rec, err := b.record(string(id))
			if err != nil || rec == nil {
				return err == nil, err
			}
			w, body := rec.winner()
			if w.Deleted {
				return true, nil
			}
			stats.TotalDocsExamined++
			raw := store.RenderDoc(string(id), w.Rev.String(), body, store.Meta{})
			m, err := store.DecodeDoc(raw)
			if err != nil {
				return false, err
			}
			if !q.Selector.Match(m) {
				return true, nil
			}
			if skipped < q.Skip {
				skipped++
				return true, nil
			}
			if len(q.Fields) > 0 {
				if raw, err = json.Marshal(mango.Project(m, q.Fields)); err != nil {
					return false, err
				}
			}
			res.Docs = append(res.Docs, raw)
			last, lastID = append(last[:0], k[:len(k)-len(id)]...), id
			return len(res.Docs) < limit, nil
		})
		if err != nil {
			return err
		}
		if last != nil {
			res.Bookmark = mango.EncodeBookmark(last, string(lastID))
		} else {
			res.Bookmark = q.Bookmark
		}
		return nil
	})
	if err != nil {
		return store.FindResult{}, err
	}
	if q.ExecutionStats {
		stats.ResultsReturned = int64(len(res.Docs))
		stats.ExecutionTimeMs = store.Since(start)
		res.ExecutionStats = stats
	}
	return res, nil
}

func sameDDoc(a, b string) bool {
	return strings.TrimPrefix(a, store.DesignPrefix) == strings.TrimPrefix(b, store.DesignPrefix)
}

// scan walks the index entries in the plan's range and order, strictly after
// the bookmark key when one is given, until fn returns false.
func scan(ctx context.Context, bucket *bbolt.Bucket, p mango.QueryPlan, after []byte, fn func(k, id []byte) (bool, error)) error {
	c := bucket.Cursor()
	beforeEnd := func(k []byte) bool {
		if p.End == nil {
			return true
		}
		if p.InclusiveEnd && bytes.HasPrefix(k, p.End) {
			return true
		}
		return bytes.Compare(k, p.End) < 0
	}
	afterStart := func(k []byte) bool {
		return p.Start == nil || bytes.Compare(k, p.Start) >= 0
	}
	var k, v []byte
	if !p.Descending {
		switch {
		case after != nil && (p.Start == nil || bytes.Compare(after, p.Start) >= 0):
			k, v = c.Seek(after)
			if bytes.Equal(k, after) {
				k, v = c.Next()
			}
		case p.Start != nil:
			k, v = c.Seek(p.Start)
		default:
			k, v = c.First()
		}
		for n := 0; k != nil && beforeEnd(k); k, v = c.Next() {
			if n++; n%1024 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			if more, err := fn(k, v); err != nil || !more {
				return err
			}
		}
		return nil
	}
	switch {
	case after != nil:
		c.Seek(after)
		k, v = c.Prev()
	case p.End != nil:
		k, _ = c.Seek(p.End)
		for k != nil && p.InclusiveEnd && bytes.HasPrefix(k, p.End) {
			k, _ = c.Next()
		}
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	default:
		k, v = c.Last()
	}
	for n := 0; k != nil && afterStart(k); k, v = c.Prev() {
		if !beforeEnd(k) {
			continue
		}
		if n++; n%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if more, err := fn(k, v); err != nil || !more {
			return err
		}
	}
	return nil
}
