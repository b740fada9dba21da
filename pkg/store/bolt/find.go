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
	var docs []json.RawMessage
	res, err := d.EachFind(ctx, q, func(doc json.RawMessage) error {
		docs = append(docs, doc)
		return nil
	})
	if err != nil {
		return store.FindResult{}, err
	}
	res.Docs = docs
	return res, nil
}

// EachFind is Find calling fn for each document, in batches: each batch
// plans the query again (the same plan, unless an index changed) and
// resumes after the last index entry examined.
func (d *DB) EachFind(ctx context.Context, q mango.Query, fn func(json.RawMessage) error) (store.FindResult, error) {
	start := time.Now()
	var res store.FindResult
	stats := &store.ExecutionStats{}
	limit := q.Limit
	if limit <= 0 {
		limit = mango.DefaultLimit
	}
	var after []byte
	if q.Bookmark != "" && q.Bookmark != "nil" {
		key, id, err := mango.DecodeBookmark(q.Bookmark)
		if err != nil {
			return res, store.BadRequest("invalid bookmark")
		}
		after = append(key, id...)
	}
	var (
		skipped, sent int
		last, lastID  []byte // the index key and id of the last document sent
		batch         []found
	)
	for {
		batch = batch[:0]
		done := false
		err := d.view(ctx, func(b *buckets) error {
			bucket, plan, err := d.planFind(b, q)
			if err != nil || plan.Empty() {
				done = true
				return err
			}
			size := 0
			more := false
			err = scan(ctx, bucket, plan, after, func(k, id []byte) (bool, error) {
				if len(batch) >= batchRows || size >= batchBytes {
					more = true
					return false, nil
				}
				after = append(after[:0], k...)
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
				size += len(raw)
				batch = append(batch, found{doc: raw, key: append([]byte(nil), k[:len(k)-len(id)]...), id: string(id)})
				return sent+len(batch) < limit, nil
			})
			done = !more
			return err
		})
		if err != nil {
			return store.FindResult{}, err
		}
		for _, f := range batch {
			err := fn(f.doc)
			if errors.Is(err, store.ErrStop) {
				done = true
				break
			}
			if err != nil {
				return store.FindResult{}, err
			}
			sent++
			last, lastID = f.key, []byte(f.id)
		}
		if done {
			break
		}
	}
	if last != nil {
		res.Bookmark = mango.EncodeBookmark(last, string(lastID))
	} else {
		res.Bookmark = q.Bookmark
	}
	if q.ExecutionStats {
		stats.ResultsReturned = int64(sent)
		stats.ExecutionTimeMs = store.Since(start)
		res.ExecutionStats = stats
	}
	return res, nil
}

// found is a document of a _find batch, with its index position.
type found struct {
	doc json.RawMessage
	key []byte
	id  string
}

// planFind plans q on the database's indexes and returns the chosen
// index's bucket.
func (d *DB) planFind(b *buckets, q mango.Query) (*bbolt.Bucket, mango.QueryPlan, error) {
	list, err := d.designIndexes(b)
	if err != nil {
		return nil, mango.QueryPlan{}, err
	}
	defs := make([]mango.IndexDef, len(list))
	for i, ix := range list {
		defs[i] = ix.def
	}
	plan, err := mango.Plan(q, defs)
	if err != nil {
		if errors.Is(err, mango.ErrNoUsableIndex) {
			return nil, plan, store.NoUsableIndex(err.Error())
		}
		return nil, plan, store.BadRequest("%v", err)
	}
	for _, ix := range list {
		if sameDDoc(ix.ddoc, plan.Index.DDoc) && ix.name == plan.Index.Name {
			if bucket := b.idx.Bucket([]byte(ix.sig)); bucket != nil {
				return bucket, plan, nil
			}
			break
		}
	}
	return nil, plan, store.NoUsableIndex("the planned index has no data")
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
