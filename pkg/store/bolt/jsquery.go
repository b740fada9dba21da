package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"

	"github.com/cozypi/cozy/pkg/collate"
	"github.com/cozypi/cozy/pkg/store"
)

// keyRange is a range of stored row keys: lo inclusive, hi exclusive, nil
// for no bound.
type keyRange struct{ lo, hi []byte }

// queryParseError is CouchDB's error for contradictory view options.
func queryParseError(msg string) error {
	return &store.Error{Kind: store.ErrBadRequest, Code: "query_parse_error", Reason: msg}
}

// ranges turns the key options into row ranges, in answer order.
func ranges(q store.JSViewQuery) []keyRange {
	if q.HasKeys {
		out := make([]keyRange, 0, len(q.Keys))
		for _, k := range q.Keys {
			enc := collate.EncodeKey(nil, k)
			out = append(out, keyRange{enc, collate.Successor(enc)})
		}
		return out
	}
	var r keyRange
	lower := func(k any, docID string, inclusive bool) []byte {
		enc := collate.EncodeKey(nil, k)
		switch {
		case inclusive && docID == "":
			return enc
		case inclusive:
			return append(enc, docID...)
		case docID == "":
			return collate.Successor(enc)
		default:
			return append(append(enc, docID...), 1)
		}
	}
	upper := func(k any, docID string, inclusive bool) []byte {
		enc := collate.EncodeKey(nil, k)
		switch {
		case inclusive && docID == "":
			if s := collate.Successor(enc); s != nil {
				return s
			}
			return []byte{0xff, 0xff, 0xff, 0xff}
		case inclusive:
			return append(append(enc, docID...), 1)
		case docID == "":
			return enc
		default:
			return append(append(enc, docID...), 0)
		}
	}
	if q.Descending {
		if q.HasStart {
			r.hi = upper(q.StartKey, q.StartDocID, true)
		}
		if q.HasEnd {
			r.lo = lower(q.EndKey, q.EndDocID, q.InclusiveEnd)
		}
	} else {
		if q.HasStart {
			r.lo = lower(q.StartKey, q.StartDocID, true)
		}
		if q.HasEnd {
			r.hi = upper(q.EndKey, q.EndDocID, q.InclusiveEnd)
		}
	}
	return []keyRange{r}
}

// scan calls fn with each row of bucket name in r, in order, reading
// jsChunkRows rows per read transaction so that no transaction stays
// open while the answer is written. fn returns false to stop.
func (d *DB) scan(ctx context.Context, ddocID, name string, r keyRange, desc bool, fn func(k, v []byte) (bool, error)) error {
	lo, hi := r.lo, r.hi
	for {
		type kv struct{ k, v []byte }
		var chunk []kv
		err := d.view(ctx, func(b *buckets) error {
			vb := jsBucket(b.root, ddocID)
			if vb == nil {
				return nil
			}
			bucket := vb.Bucket([]byte("v:" + name))
			if bucket == nil {
				return nil
			}
			c := bucket.Cursor()
			var k, v []byte
			if desc {
				if hi == nil {
					k, v = c.Last()
				} else if k, _ = c.Seek(hi); k == nil {
					k, v = c.Last()
				} else {
					k, v = c.Prev()
				}
			} else if lo == nil {
				k, v = c.First()
			} else {
				k, v = c.Seek(lo)
			}
			for ; k != nil && len(chunk) < jsChunkRows; k, v = step(c, desc) {
				if (lo != nil && bytes.Compare(k, lo) < 0) || (hi != nil && bytes.Compare(k, hi) >= 0) {
					break
				}
				chunk = append(chunk, kv{bytes.Clone(k), bytes.Clone(v)})
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, e := range chunk {
			more, err := fn(e.k, e.v)
			if err != nil || !more {
				return err
			}
		}
		if len(chunk) < jsChunkRows {
			return nil
		}
		lastKey := chunk[len(chunk)-1].k
		if desc {
			hi = lastKey
		} else {
			lo = append(bytes.Clone(lastKey), 0)
		}
	}
}

// splitRow decodes a stored row into its key, id and value texts.
func splitRow(v []byte) (key json.RawMessage, id string, value json.RawMessage, err error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(v, &parts); err != nil || len(parts) != 3 {
		return nil, "", nil, errors.New("corrupt view row")
	}
	if err := json.Unmarshal(parts[1], &id); err != nil {
		return nil, "", nil, errors.New("corrupt view row")
	}
	return parts[0], id, parts[2], nil
}

// QueryJSView implements store.JSViews.
func (d *DB) QueryJSView(ctx context.Context, qs store.QueryServer, ddoc, view string, q store.JSViewQuery,
	head func(store.JSViewHead) error, row func(store.JSViewRow) error) error {
	j, err := d.loadDesign(ctx, ddoc)
	if err != nil {
		return err
	}
	if j.viewIndex(view) < 0 {
		return store.NotFound("missing_named_view")
	}
	reduceFn, hasReduce := j.reduces[view]
	reduce := hasReduce && (q.Reduce == nil || *q.Reduce)
	switch {
	case q.Reduce != nil && *q.Reduce && !hasReduce:
		return queryParseError("Reduce is invalid for map-only views.")
	case reduce && q.IncludeDocs:
		return queryParseError("`include_docs` is invalid for reduce")
	case !reduce && (q.Group || q.GroupLevel > 0) && (hasReduce || q.Reduce != nil):
		return queryParseError("Invalid use of grouping on a map view.")
	case reduce && q.HasKeys && !q.Group && q.GroupLevel == 0:
		return queryParseError("Multi-key fetches for reduce views must use `group=true`")
	}
	var seq uint64
	if q.Update == "false" || q.Update == "lazy" {
		err = d.view(ctx, func(b *buckets) error {
			if vb := jsBucket(b.root, j.id); vb != nil && bytes.Equal(vb.Get([]byte("sig")), j.sig) {
				seq = getU64(vb, "seq")
			}
			return nil
		})
	} else {
		seq, err = d.updateJS(ctx, qs, j)
	}
	if err != nil {
		return err
	}
	if q.Update == "lazy" {
		// After the answer, as CouchDB: the update runs in the background.
		defer d.updateLater(qs, j)
	}
	rs := ranges(q)
	if reduce {
		if err := head(store.JSViewHead{Reduced: true, UpdateSeq: seq}); err != nil {
			return err
		}
		return d.reduceRows(ctx, qs, j.id, view, reduceFn, q, rs, row)
	}
	total, offset, err := d.counts(ctx, j.id, view, rs, q.Descending)
	if err != nil {
		return err
	}
	if err := head(store.JSViewHead{TotalRows: total, Offset: offset + int64(q.Skip), UpdateSeq: seq}); err != nil {
		return err
	}
	skip, sent := q.Skip, 0
	for _, r := range rs {
		if q.Limit >= 0 && sent >= q.Limit {
			break
		}
		err := d.scan(ctx, j.id, view, r, q.Descending, func(_, v []byte) (bool, error) {
			if skip > 0 {
				skip--
				return true, nil
			}
			if q.Limit >= 0 && sent >= q.Limit {
				return false, nil
			}
			key, id, value, err := splitRow(v)
			if err != nil {
				return false, err
			}
			out := store.JSViewRow{ID: id, Key: key, Value: value}
			if q.IncludeDocs {
				out.Doc = d.linkedDoc(ctx, id, value)
			}
			sent++
			return true, row(out)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// counts returns the rows of a view and how many precede the first range.
func (d *DB) counts(ctx context.Context, ddocID, view string, rs []keyRange, desc bool) (total, offset int64, err error) {
	err = d.view(ctx, func(b *buckets) error {
		vb := jsBucket(b.root, ddocID)
		if vb == nil {
			return nil
		}
		total = int64(getU64(vb, "n:"+view))
		bucket := vb.Bucket([]byte("v:" + view))
		if bucket == nil || len(rs) == 0 {
			return nil
		}
		c := bucket.Cursor()
		if desc {
			if rs[0].hi == nil {
				return nil
			}
			for k, _ := c.Seek(rs[0].hi); k != nil; k, _ = c.Next() {
				offset++
			}
			return nil
		}
		if rs[0].lo == nil {
			return nil
		}
		for k, _ := c.First(); k != nil && bytes.Compare(k, rs[0].lo) < 0; k, _ = c.Next() {
			offset++
		}
		return nil
	})
	return total, offset, err
}

// linkedDoc returns the document of a row for include_docs: the one the
// value names by "_id" (and "_rev") when it is an object that does, else
// the row's; "null" when it is gone.
func (d *DB) linkedDoc(ctx context.Context, id string, value json.RawMessage) json.RawMessage {
	opts := store.GetOptions{}
	if len(value) > 0 && value[0] == '{' {
		var link struct {
			ID  string `json:"_id"`
			Rev string `json:"_rev"`
		}
		if json.Unmarshal(value, &link) == nil && link.ID != "" {
			id, opts.Rev = link.ID, link.Rev
		}
	}
	doc, err := d.Get(ctx, id, opts)
	if err != nil || doc.Deleted {
		return json.RawMessage("null")
	}
	return doc.Body
}

// groupKey returns the key a row is grouped under and its encoding.
func groupKey(key json.RawMessage, q store.JSViewQuery) (json.RawMessage, []byte, error) {
	if !q.Group && q.GroupLevel == 0 {
		return json.RawMessage("null"), nil, nil
	}
	if q.GroupLevel > 0 && len(key) > 0 && key[0] == '[' {
		var elems []json.RawMessage
		if err := json.Unmarshal(key, &elems); err != nil {
			return nil, nil, err
		}
		if len(elems) > q.GroupLevel {
			elems = elems[:q.GroupLevel]
		}
		b, err := json.Marshal(elems)
		if err != nil {
			return nil, nil, err
		}
		key = b
	}
	v, err := decodeJSON(key)
	if err != nil {
		return nil, nil, err
	}
	return key, collate.EncodeKey(nil, v), nil
}

// reduceRows streams the reduced groups of the ranges.
func (d *DB) reduceRows(ctx context.Context, qs store.QueryServer, ddocID, view, fn string, q store.JSViewQuery,
	rs []keyRange, row func(store.JSViewRow) error) error {
	skip, sent := q.Skip, 0
	var (
		acc     reducer
		cur     json.RawMessage
		curEnc  []byte
		started bool
	)
	flush := func() (bool, error) {
		if !started {
			return true, nil
		}
		started = false
		value, err := acc.result(ctx)
		if err != nil {
			return false, err
		}
		if skip > 0 {
			skip--
			return true, nil
		}
		if q.Limit >= 0 && sent >= q.Limit {
			return false, nil
		}
		sent++
		return true, row(store.JSViewRow{Key: cur, Value: value})
	}
	grouped := q.Group || q.GroupLevel > 0
	for _, r := range rs {
		err := d.scan(ctx, ddocID, view, r, q.Descending, func(_, v []byte) (bool, error) {
			key, id, value, err := splitRow(v)
			if err != nil {
				return false, err
			}
			gk, genc, err := groupKey(key, q)
			if err != nil {
				return false, err
			}
			if started && grouped && !bytes.Equal(genc, curEnc) {
				if more, err := flush(); err != nil || !more {
					return false, err
				}
			}
			if !started {
				started, cur, curEnc = true, gk, genc
				acc = newReducer(qs, fn)
			}
			idJSON, _ := json.Marshal(id)
			keyPair := append(append(append(append([]byte{'['}, key...), ','), idJSON...), ']')
			return true, acc.add(ctx, keyPair, value)
		})
		if err != nil {
			return err
		}
		if q.HasKeys { // each key is its own group
			if more, err := flush(); err != nil || !more {
				return err
			}
		}
	}
	if !started && !grouped {
		// CouchDB answers no row for an empty reduce.
		return nil
	}
	_, err := flush()
	return err
}

// reducer accumulates one group's reduction: built-ins in Go, JavaScript
// in batches through the query server, then rereduced.
type reducer struct {
	qs       store.QueryServer
	fn       string
	keys     []json.RawMessage
	values   []json.RawMessage
	partials []json.RawMessage
	count    float64
	sum      []float64 // _sum of numbers (len 1) or of arrays
	sumArray bool
	sumKind  int
	stats    stats
}

type stats struct {
	Sum, Count, Min, Max, Sumsqr float64
}

func newReducer(qs store.QueryServer, fn string) reducer {
	return reducer{qs: qs, fn: fn, stats: stats{Min: math.Inf(1), Max: math.Inf(-1)}}
}

func builtinError(msg string) error { return store.QueryServerError("builtin_reduce_error", msg) }

func (r *reducer) add(ctx context.Context, key, value json.RawMessage) error {
	switch r.fn {
	case "_count":
		r.count++
		return nil
	case "_sum":
		return r.addSum(value)
	case "_stats":
		v, err := decodeJSON(value)
		if err != nil {
			return err
		}
		n, ok := collate.Number(v)
		if !ok {
			return builtinError("the _stats function requires that map values be numbers")
		}
		r.stats.Sum += n
		r.stats.Count++
		r.stats.Min = math.Min(r.stats.Min, n)
		r.stats.Max = math.Max(r.stats.Max, n)
		r.stats.Sumsqr += n * n
		return nil
	}
	if len(r.fn) > 0 && r.fn[0] == '_' {
		return builtinError("unknown built-in reduce function " + r.fn)
	}
	r.keys = append(r.keys, key)
	r.values = append(r.values, value)
	if len(r.values) >= jsReduceBatch {
		return r.reduceBatch(ctx)
	}
	return nil
}

func (r *reducer) addSum(value json.RawMessage) error {
	v, err := decodeJSON(value)
	if err != nil {
		return err
	}
	const numbers, arrays = 1, 2
	kind := numbers
	arr, isArr := v.([]any)
	if isArr {
		kind = arrays
	} else {
		arr = []any{v}
	}
	if r.sumKind != 0 && r.sumKind != kind {
		return builtinError("the _sum function requires that map values be numbers or arrays of numbers, not a mix")
	}
	r.sumKind = kind
	r.sumArray = isArr
	for i, e := range arr {
		n, ok := collate.Number(e)
		if !ok {
			return builtinError("the _sum function requires that map values be numbers or arrays of numbers")
		}
		for len(r.sum) <= i {
			r.sum = append(r.sum, 0)
		}
		r.sum[i] += n
	}
	return nil
}

func (r *reducer) reduceBatch(ctx context.Context) error {
	if len(r.values) == 0 {
		return nil
	}
	p, err := r.qs.Reduce(ctx, r.fn, r.keys, r.values)
	if err != nil {
		return err
	}
	r.partials = append(r.partials, p)
	r.keys, r.values = r.keys[:0], r.values[:0]
	if len(r.partials) >= jsReduceBatch {
		p, err := r.qs.Rereduce(ctx, r.fn, r.partials)
		if err != nil {
			return err
		}
		r.partials = append(r.partials[:0], p)
	}
	return nil
}

// number renders a float as JavaScript does (encoding/json follows ES6:
// no exponent for 1e-6 <= |f| < 1e21); an infinity is null.
func number(f float64) json.RawMessage {
	b, err := json.Marshal(f)
	if err != nil {
		return json.RawMessage("null")
	}
	return b
}

func (r *reducer) result(ctx context.Context) (json.RawMessage, error) {
	switch r.fn {
	case "_count":
		return number(r.count), nil
	case "_sum":
		if !r.sumArray {
			if len(r.sum) == 0 {
				return number(0), nil
			}
			return number(r.sum[0]), nil
		}
		return json.Marshal(r.sum)
	case "_stats":
		if r.stats.Count == 0 {
			r.stats.Min, r.stats.Max = 0, 0
		}
		return json.Marshal(map[string]float64{"sum": r.stats.Sum, "count": r.stats.Count, "min": r.stats.Min,
			"max": r.stats.Max, "sumsqr": r.stats.Sumsqr})
	}
	if err := r.reduceBatch(ctx); err != nil {
		return nil, err
	}
	switch len(r.partials) {
	case 0:
		return r.qs.Reduce(ctx, r.fn, []json.RawMessage{}, []json.RawMessage{})
	case 1:
		return r.partials[0], nil
	}
	return r.qs.Rereduce(ctx, r.fn, r.partials)
}

// updateLater updates an index in the background (update=lazy), once at a
// time per design document; the store's Close stops and waits for it.
func (d *DB) updateLater(qs store.QueryServer, j *jsDesign) {
	key := d.doctype + "\x00" + j.id
	if _, running := d.s.lazy.LoadOrStore(key, true); running {
		return
	}
	d.s.bg.Add(1)
	go func() {
		defer d.s.bg.Done()
		defer d.s.lazy.Delete(key)
		if _, err := d.updateJS(d.s.bgCtx, qs, j); err != nil && d.s.bgCtx.Err() == nil {
			d.s.log.Warn("lazy view update", "doctype", d.doctype, "ddoc", j.id, "err", err)
		}
	}()
}
