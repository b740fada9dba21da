package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bbolt "go.etcd.io/bbolt"

	"github.com/cozypi/cozy/pkg/collate"
	"github.com/cozypi/cozy/pkg/store"
)

// Go views (store.GoViews). Each registered view of a doctype has a bucket
// under the doctype's "gviews" bucket whose entries are
//
//	EncodeKey(key as an array) + doc id  ->  JSON [key, doc id]
//
// The array encoding ends with 0x00, below every element tag, so a key
// sorts before its extensions and a prefix query is a byte-prefix scan of
// the elements' encodings. "gviewmeta" records, per view, the update
// sequence up to which it is maintained and its version: a transaction that
// finds another sequence (writes happened while the view was not
// registered) or version rebuilds it before using it.

var (
	bGViews    = []byte("gviews")
	bGViewMeta = []byte("gviewmeta")
)

var _ store.GoViews = (*DB)(nil)

// liveView is a Go view maintained in one write transaction.
type liveView struct {
	def    store.GoView
	bucket *bbolt.Bucket
}

// registeredViews returns the views registered for a doctype, sorted by name.
func (s *Store) registeredViews(doctype string) []store.GoView {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gviews[doctype]
}

// RegisterView registers a Go view of this doctype and builds it (or
// refreshes it when stale), creating the database if needed.
func (d *DB) RegisterView(ctx context.Context, v store.GoView) error {
	if v.Name == "" || v.Map == nil {
		return store.BadRequest("a view needs a name and a map function")
	}
	if d.invalid != nil {
		return d.invalid
	}
	d.s.mu.Lock()
	list := slices.DeleteFunc(slices.Clone(d.s.gviews[d.doctype]), func(o store.GoView) bool { return o.Name == v.Name })
	list = append(list, v)
	slices.SortFunc(list, func(a, b store.GoView) int { return strings.Compare(a.Name, b.Name) })
	d.s.gviews[d.doctype] = list
	d.s.mu.Unlock()
	err := d.update(ctx, func(st *txState) error {
		_, err := d.loadViews(st)
		return err
	})
	if err != nil {
		return fmt.Errorf("register view %s/%s: %w", d.doctype, v.Name, err)
	}
	return nil
}

// viewMeta encodes the maintenance marker of a view.
func viewMeta(seq uint64, version string) []byte {
	return append(u64(seq), version...)
}

// loadViews returns the views to maintain in this transaction, building
// the missing or stale ones first (stale: not current at st.start, the
// sequence before the transaction's writes).
func (d *DB) loadViews(st *txState) ([]*liveView, error) {
	if st.viewsLoaded {
		return st.views, nil
	}
	defs := d.s.registeredViews(d.doctype)
	st.viewsLoaded = true
	st.views = nil
	if len(defs) == 0 {
		return nil, nil
	}
	root, err := st.b.root.CreateBucketIfNotExists(bGViews)
	if err != nil {
		return nil, err
	}
	meta, err := st.b.root.CreateBucketIfNotExists(bGViewMeta)
	if err != nil {
		return nil, err
	}
	for _, def := range defs {
		name := []byte(def.Name)
		bucket := root.Bucket(name)
		if bucket == nil || !bytes.Equal(meta.Get(name), viewMeta(st.start, def.Version)) {
			if bucket != nil {
				if err := root.DeleteBucket(name); err != nil {
					return nil, err
				}
			}
			if bucket, err = root.CreateBucket(name); err != nil {
				return nil, err
			}
			if err := d.buildView(st.b, def, bucket); err != nil {
				return nil, fmt.Errorf("build view %s: %w", def.Name, err)
			}
		}
		st.views = append(st.views, &liveView{def: def, bucket: bucket})
	}
	return st.views, nil
}

// saveViews records that the maintained views are current at st.seq.
func (st *txState) saveViews() error {
	if len(st.views) == 0 {
		return nil
	}
	meta := st.b.root.Bucket(bGViewMeta)
	for _, v := range st.views {
		if err := meta.Put([]byte(v.def.Name), viewMeta(st.seq, v.def.Version)); err != nil {
			return err
		}
	}
	return nil
}

// viewEntry is one row of a view as stored.
type viewEntry struct{ key, val []byte }

// viewEntries returns the entries a document gives a view.
func (d *DB) viewEntries(def store.GoView, id string, doc map[string]any) []viewEntry {
	if doc == nil {
		return nil
	}
	keys := safeMap(def, doc)
	out := make([]viewEntry, 0, len(keys))
	for _, k := range keys {
		if k == nil {
			k = []any{}
		}
		enc := append(collate.EncodeKey(nil, k), id...)
		if len(enc) > maxEntryKey {
			d.s.log.Warn("view row left out: key too long", "doctype", d.doctype, "view", def.Name, "id", id)
			continue
		}
		val, err := json.Marshal([]any{k, id})
		if err != nil {
			d.s.log.Warn("view row left out: key not JSON", "doctype", d.doctype, "view", def.Name, "id", id, "err", err)
			continue
		}
		out = append(out, viewEntry{enc, val})
	}
	return out
}

// safeMap runs a map function, turning a panic into no rows.
func safeMap(def store.GoView, doc map[string]any) (keys [][]any) {
	defer func() {
		if recover() != nil {
			keys = nil
		}
	}()
	return def.Map(doc)
}

func (d *DB) buildView(b *buckets, def store.GoView, bucket *bbolt.Bucket) error {
	// Sorted inserts, as in buildIndex.
	var entries []viewEntry
	err := b.docs.ForEach(func(k, v []byte) error {
		if bytes.HasPrefix(k, []byte(store.DesignPrefix)) {
			return nil
		}
		rec, err := decodeRecord(v)
		if err != nil {
			return err
		}
		w, body := rec.winner()
		if w.Deleted {
			return nil
		}
		m, err := store.DecodeDoc(store.RenderDoc(string(k), w.Rev.String(), body, store.Meta{}))
		if err != nil {
			return err
		}
		entries = append(entries, d.viewEntries(def, string(k), m)...)
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(entries, func(a, b viewEntry) int { return bytes.Compare(a.key, b.key) })
	for _, e := range entries {
		if err := bucket.Put(e.key, e.val); err != nil {
			return err
		}
	}
	return nil
}

// updateViews moves a document's rows from its old winner to its new.
func (d *DB) updateViews(st *txState, ch *winnerChange) error {
	views, err := d.loadViews(st)
	if err != nil || len(views) == 0 {
		return err
	}
	oldM, newM, err := ch.maps()
	if err != nil {
		return err
	}
	id := ch.id
	for _, v := range views {
		olds, news := d.viewEntries(v.def, id, oldM), d.viewEntries(v.def, id, newM)
		keep := map[string]bool{}
		for _, e := range news {
			keep[string(e.key)] = true
		}
		for _, e := range olds {
			if !keep[string(e.key)] {
				if err := v.bucket.Delete(e.key); err != nil {
					return err
				}
			}
		}
		for _, e := range news {
			if err := v.bucket.Put(e.key, e.val); err != nil {
				return err
			}
		}
	}
	return nil
}

// QueryGoView reads a registered view.
func (d *DB) QueryGoView(ctx context.Context, name string, q store.ViewQuery) (store.ViewPage, error) {
	var page store.ViewPage
	registered := false
	for _, v := range d.s.registeredViews(d.doctype) {
		registered = registered || v.Name == name
	}
	if !registered {
		return page, store.NotFound("view " + name + " is not registered")
	}
	prefix := collate.EncodeKey(nil, append([]any{}, q.Prefix...))
	prefix = prefix[:len(prefix)-1] // the elements, without the array terminator
	var after []byte
	if q.After != nil {
		after = append(collate.EncodeKey(nil, append([]any{}, q.After.Key...)), q.After.ID...)
	}
	jsonPrefix, err := viewJSONPrefix(q.Prefix)
	if err != nil {
		return page, store.BadRequest("invalid view prefix: %v", err)
	}
	err = d.view(ctx, func(b *buckets) error {
		root := b.root.Bucket(bGViews)
		if root == nil {
			return nil
		}
		bucket := root.Bucket([]byte(name))
		if bucket == nil {
			return nil
		}
		c := bucket.Cursor()
		skip := q.Skip
		var k, v []byte
		if q.Descending {
			if succ := collate.Successor(prefix); succ == nil {
				k, v = c.Last()
			} else if k, _ = c.Seek(succ); k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
		} else {
			k, v = c.Seek(prefix)
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = step(c, q.Descending) {
			if !jsonHasPrefix(v, jsonPrefix) { // not the fast path: check exactly
				row, err := decodeViewRow(v)
				if err != nil {
					return err
				}
				if !hasPrefix(row.Key, q.Prefix) {
					continue
				}
			}
			page.Total++
			if after != nil {
				if c := bytes.Compare(k, after); (!q.Descending && c <= 0) || (q.Descending && c >= 0) {
					continue
				}
			}
			if skip > 0 {
				skip--
				continue
			}
			if q.Limit > 0 && len(page.Rows) >= q.Limit {
				continue // still counting the total
			}
			row, err := decodeViewRow(v)
			if err != nil {
				return err
			}
			page.Rows = append(page.Rows, row)
		}
		return nil
	})
	return page, err
}

func step(c *bbolt.Cursor, descending bool) ([]byte, []byte) {
	if descending {
		return c.Prev()
	}
	return c.Next()
}

func decodeViewRow(v []byte) (store.ViewRow, error) {
	var pair []json.RawMessage
	var row store.ViewRow
	if err := json.Unmarshal(v, &pair); err != nil || len(pair) != 2 {
		return row, fmt.Errorf("corrupt view row %q", v)
	}
	if err := json.Unmarshal(pair[1], &row.ID); err != nil {
		return row, fmt.Errorf("corrupt view row %q: %w", v, err)
	}
	dec := json.NewDecoder(bytes.NewReader(pair[0]))
	dec.UseNumber()
	if err := dec.Decode(&row.Key); err != nil {
		return row, fmt.Errorf("corrupt view row %q: %w", v, err)
	}
	return row, nil
}

// hasPrefix reports whether key starts with prefix, exactly (the collated
// encoding may equate distinct strings).
func hasPrefix(key, prefix []any) bool {
	if len(key) < len(prefix) {
		return false
	}
	for i, p := range prefix {
		if ps, ok := p.(string); ok {
			if ks, ok := key[i].(string); !ok || ks != ps {
				return false
			}
		} else if collate.Compare(p, key[i]) != 0 {
			return false
		}
	}
	return true
}

// viewJSONPrefix returns the JSON text with which a stored row starts when
// its key has prefix exactly: `[[` and the components. A row starting so
// (the components ending there) certainly matches; another one is decoded
// and compared (numbers may be written differently, and distinct strings
// may collate equal).
func viewJSONPrefix(prefix []any) ([]byte, error) {
	out := []byte("[[")
	for i, p := range prefix {
		if i > 0 {
			out = append(out, ',')
		}
		b, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

// jsonHasPrefix reports whether the stored row v starts with the JSON
// prefix p on a component boundary.
func jsonHasPrefix(v, p []byte) bool {
	if !bytes.HasPrefix(v, p) || len(v) == len(p) {
		return false
	}
	next := v[len(p)]
	return next == ']' || next == ',' || len(p) == 2
}
