package bolt

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	bbolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/cozypi/cozy/pkg/mango"
	"github.com/cozypi/cozy/pkg/store"
)

// Mango indexes are defined, as in CouchDB, by design documents with
// "language":"query" whose views look like
//
//	"by-x": {"map": {"fields": {"x":"asc"}, "partial_filter_selector": {...}},
//	         "reduce": "_count", "options": {"def": {"fields": ["x"], ...}}}
//
// Every distinct definition (fields + partial filter) gets one index bucket,
// named by its signature; copies of a design document share it.

// ddocIndex is one index declared in a design document.
type ddocIndex struct {
	ddoc, name string
	fields     json.RawMessage // as in options.def.fields
	partial    json.RawMessage // nil when none
	sig        string
	def        mango.IndexDef
}

// maxEntryKey bounds an index entry key (collated key + doc id) below
// bbolt's 32 KiB key limit (MaxKeySize), with 2 KiB to spare; documents
// whose key is longer are left out of that index (and logged) rather than
// failing the write. It leaves room for a view emitting a store.MaxIDLen
// id as its key (collated, an ASCII string grows up to 6 times).
const maxEntryKey = 30 << 10

// liveIndex is an index bucket being maintained in a write transaction.
type liveIndex struct {
	sig    string
	def    mango.IndexDef
	bucket *bbolt.Bucket
}

// canonicalDef is the JSON whose hash names an index bucket.
func canonicalDef(fields, partial json.RawMessage) []byte {
	var b bytes.Buffer
	b.WriteString(`{"fields":`)
	_ = json.Compact(&b, fields)
	if partial = normPartial(partial); partial != nil {
		b.WriteString(`,"partial_filter_selector":`)
		_ = json.Compact(&b, partial)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// normPartial returns nil for an absent, null or empty partial filter.
func normPartial(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if len(raw) == 0 || json.Compact(&b, raw) != nil {
		return nil
	}
	if s := b.String(); s == "null" || s == "{}" {
		return nil
	}
	return b.Bytes()
}

func signature(canon []byte) string {
	sum := md5.Sum(canon)
	return hex.EncodeToString(sum[:])
}

// parseDef turns a canonical definition into a mango.IndexDef (cached).
func (s *Store) parseDef(ddoc, name string, canon []byte) (mango.IndexDef, error) {
	key := ddoc + "\x00" + name + "\x00" + string(canon)
	if v, ok := s.indexes.Load(key); ok {
		return v.(mango.IndexDef), nil
	}
	var req bytes.Buffer
	req.WriteString(`{"index":`)
	req.Write(canon)
	req.WriteString(`,"ddoc":`)
	ddj, _ := json.Marshal(ddoc)
	req.Write(ddj)
	req.WriteString(`,"name":`)
	nj, _ := json.Marshal(name)
	req.Write(nj)
	req.WriteString(`,"type":"json"}`)
	def, err := mango.ParseIndexRequest(req.Bytes())
	if err != nil {
		return def, err
	}
	s.indexes.Store(key, def)
	return def, nil
}

// designIndexes reads the Mango indexes declared by the design documents.
// Malformed declarations are skipped (and logged).
func (d *DB) designIndexes(b *buckets) ([]ddocIndex, error) {
	var out []ddocIndex
	c := b.docs.Cursor()
	pre := []byte(store.DesignPrefix)
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		rec, err := decodeRecord(v)
		if err != nil {
			return nil, err
		}
		w, body := rec.winner()
		if w.Deleted {
			continue
		}
		var dd struct {
			Language string `json:"language"`
			Views    map[string]struct {
				Map struct {
					Partial json.RawMessage `json:"partial_filter_selector"`
				} `json:"map"`
				Options struct {
					Def struct {
						Fields json.RawMessage `json:"fields"`
					} `json:"def"`
				} `json:"options"`
			} `json:"views"`
		}
		if err := json.Unmarshal(body, &dd); err != nil || dd.Language != "query" {
			continue
		}
		ddoc := string(k)
		for name, view := range dd.Views {
			if len(view.Options.Def.Fields) == 0 {
				continue
			}
			canon := canonicalDef(view.Options.Def.Fields, view.Map.Partial)
			def, err := d.s.parseDef(ddoc, name, canon)
			if err != nil {
				d.s.log.Warn("skipping malformed mango index", "doctype", d.doctype, "ddoc", ddoc, "name", name, "err", err)
				continue
			}
			ix := ddocIndex{ddoc: ddoc, name: name, fields: view.Options.Def.Fields, sig: signature(canon), def: def,
				partial: normPartial(view.Map.Partial)}
			out = append(out, ix)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ddoc != out[j].ddoc {
			return out[i].ddoc < out[j].ddoc
		}
		return out[i].name < out[j].name
	})
	return out, nil
}

// syncIndexes makes the index buckets match the design documents: builds
// new ones from every document, drops the ones no longer declared. It runs
// in the transaction of the design document write.
func (d *DB) syncIndexes(st *txState) error {
	declared, err := d.designIndexes(st.b)
	if err != nil {
		return err
	}
	want := map[string]ddocIndex{}
	for _, ix := range declared {
		if _, ok := want[ix.sig]; !ok {
			want[ix.sig] = ix
		}
	}
	var drop [][]byte
	if err := st.b.idxdefs.ForEach(func(k, _ []byte) error {
		if _, ok := want[string(k)]; !ok {
			drop = append(drop, append([]byte(nil), k...))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range drop {
		if err := st.b.idxdefs.Delete(k); err != nil {
			return err
		}
		if err := st.b.idx.DeleteBucket(k); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
			return err
		}
	}
	for sig, ix := range want {
		if st.b.idxdefs.Get([]byte(sig)) != nil {
			continue
		}
		bucket, err := st.b.idx.CreateBucketIfNotExists([]byte(sig))
		if err != nil {
			return err
		}
		if err := buildIndex(st.b, ix.def, bucket); err != nil {
			return fmt.Errorf("build index %s/%s: %w", ix.ddoc, ix.name, err)
		}
		if err := st.b.idxdefs.Put([]byte(sig), canonicalDef(ix.fields, ix.partial)); err != nil {
			return err
		}
	}
	st.indexes, st.indexesLoaded = nil, false
	return nil
}

func buildIndex(b *buckets, def mango.IndexDef, bucket *bbolt.Bucket) error {
	// bbolt keeps a transaction's inserts in one in-memory node per page and
	// splits it only at commit, so inserting unsorted keys shifts that node
	// on every Put (quadratic: 100k docs took 50 s). Sorted keys append.
	type entry struct{ key, id []byte }
	var entries []entry
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
		if key, ok := def.Key(m); ok && len(key)+len(k) <= maxEntryKey {
			id := bytes.Clone(k) // k is only valid during the transaction's iteration
			entries = append(entries, entry{append(key, id...), id})
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(entries, func(a, b entry) int { return bytes.Compare(a.key, b.key) })
	for _, e := range entries {
		if err := bucket.Put(e.key, e.id); err != nil {
			return err
		}
	}
	return nil
}

// loadIndexes returns the index buckets to maintain in this transaction.
func (d *DB) loadIndexes(st *txState) ([]*liveIndex, error) {
	if st.indexesLoaded {
		return st.indexes, nil
	}
	st.indexesLoaded = true
	st.indexes = nil
	err := st.b.idxdefs.ForEach(func(k, v []byte) error {
		def, err := d.s.parseDef("", "", v)
		if err != nil {
			return fmt.Errorf("index %s: %w", k, err)
		}
		bucket := st.b.idx.Bucket(k)
		if bucket == nil {
			return fmt.Errorf("index %s: bucket missing", k)
		}
		st.indexes = append(st.indexes, &liveIndex{sig: string(k), def: def, bucket: bucket})
		return nil
	})
	return st.indexes, err
}

// updateIndexes moves a document's entries from its old winner to its new.
func (d *DB) updateIndexes(st *txState, ch *winnerChange) error {
	idx, err := d.loadIndexes(st)
	if err != nil || len(idx) == 0 {
		return err
	}
	oldM, newM, err := ch.maps()
	if err != nil {
		return err
	}
	id := ch.id
	for _, ix := range idx {
		var oldKey, newKey []byte
		if oldM != nil {
			if k, ok := ix.def.Key(oldM); ok && len(k)+len(id) <= maxEntryKey {
				oldKey = append(k, id...)
			}
		}
		if newM != nil {
			if k, ok := ix.def.Key(newM); ok {
				if len(k)+len(id) > maxEntryKey {
					d.s.log.Warn("document left out of a mango index: key too long", "doctype", d.doctype, "id", id, "index", ix.sig)
				} else {
					newKey = append(k, id...)
				}
			}
		}
		if bytes.Equal(oldKey, newKey) {
			continue
		}
		if oldKey != nil {
			if err := ix.bucket.Delete(oldKey); err != nil {
				return err
			}
		}
		if newKey != nil {
			if err := ix.bucket.Put(newKey, []byte(id)); err != nil {
				return err
			}
		}
	}
	return nil
}

// CreateIndex creates a Mango index from a POST _index request body
// ({"index":{"fields":[...],"partial_filter_selector":{...}},"ddoc":..,"name":..}).
// The design document and name default to a hash of the definition.
func (d *DB) CreateIndex(ctx context.Context, req json.RawMessage) (store.IndexResult, error) {
	var r struct {
		Index struct {
			Fields  json.RawMessage `json:"fields"`
			Partial json.RawMessage `json:"partial_filter_selector"`
		} `json:"index"`
		DDoc string `json:"ddoc"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(req, &r); err != nil {
		return store.IndexResult{}, store.BadRequest("invalid index request: %v", err)
	}
	parsed, err := mango.ParseIndexRequest(req)
	if err != nil {
		return store.IndexResult{}, store.BadRequest("%v", err)
	}
	r.Index.Partial = normPartial(r.Index.Partial)
	canon := canonicalDef(r.Index.Fields, r.Index.Partial)
	ddoc, name := parsed.DDoc, parsed.Name
	if !strings.HasPrefix(ddoc, store.DesignPrefix) {
		ddoc = store.DesignPrefix + ddoc
	}
	if err := store.CheckID(ddoc); err != nil {
		return store.IndexResult{}, err
	}
	if _, err := d.s.parseDef(ddoc, name, canon); err != nil {
		return store.IndexResult{}, store.BadRequest("%v", err)
	}
	res := store.IndexResult{ID: ddoc, Name: name, Result: "created"}
	err = d.update(ctx, func(st *txState) error {
		res.Result = "created"
		body := map[string]any{}
		rev := ""
		rec, err := st.b.record(ddoc)
		if err != nil {
			return err
		}
		if rec != nil {
			w, raw := rec.winner()
			if !w.Deleted {
				rev = w.Rev.String()
				dec := json.NewDecoder(bytes.NewReader(raw))
				dec.UseNumber()
				if err := dec.Decode(&body); err != nil {
					return err
				}
			}
		}
		views, _ := body["views"].(map[string]any)
		if views == nil {
			views = map[string]any{}
		}
		if v, ok := views[name].(map[string]any); ok {
			if existing, err := json.Marshal(v["options"]); err == nil {
				var o struct {
					Def struct {
						Fields json.RawMessage `json:"fields"`
					} `json:"def"`
				}
				_ = json.Unmarshal(existing, &o)
				m, _ := v["map"].(map[string]any)
				partial, _ := json.Marshal(m["partial_filter_selector"])
				if len(o.Def.Fields) > 0 && bytes.Equal(canonicalDef(o.Def.Fields, partial), canon) {
					res.Result = "exists"
					return nil
				}
			}
		}
		views[name] = viewFor(r.Index.Fields, r.Index.Partial)
		body["views"] = views
		body["language"] = "query"
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		e := makeEdit(raw, ddoc, rev, false, true)
		out, err := d.applyEdit(st, e)
		if err != nil {
			return err
		}
		return out.Err
	})
	return res, err
}

// viewFor builds the design document view of an index, as CouchDB does.
func viewFor(fields, partial json.RawMessage) map[string]any {
	var list []any
	_ = json.Unmarshal(fields, &list)
	mapFields := []byte{'{'}
	for i, f := range list {
		name, dir := "", "asc"
		switch f := f.(type) {
		case string:
			name = f
		case map[string]any:
			for k, v := range f {
				name = k
				if s, ok := v.(string); ok {
					dir = s
				}
			}
		}
		if i > 0 {
			mapFields = append(mapFields, ',')
		}
		kj, _ := json.Marshal(name)
		dj, _ := json.Marshal(dir)
		mapFields = append(append(append(mapFields, kj...), ':'), dj...)
	}
	mapFields = append(mapFields, '}')
	m := map[string]any{"fields": json.RawMessage(mapFields)}
	def := map[string]any{"fields": fields}
	if len(partial) > 0 {
		m["partial_filter_selector"] = partial
		def["partial_filter_selector"] = partial
	} else {
		m["partial_filter_selector"] = json.RawMessage(`{}`)
	}
	return map[string]any{"map": m, "reduce": "_count", "options": map[string]any{"def": def}}
}

// Indexes lists the Mango indexes, the special _all_docs index first.
func (d *DB) Indexes(ctx context.Context) ([]store.IndexInfo, error) {
	out := []store.IndexInfo{{Name: "_all_docs", Type: "special", Def: json.RawMessage(`{"fields":[{"_id":"asc"}]}`)}}
	err := d.view(ctx, func(b *buckets) error {
		list, err := d.designIndexes(b)
		if err != nil {
			return err
		}
		for _, ix := range list {
			defJSON := []byte(`{"fields":[`)
			var names []any
			_ = json.Unmarshal(ix.fields, &names)
			for i, f := range names {
				if i > 0 {
					defJSON = append(defJSON, ',')
				}
				if s, ok := f.(string); ok {
					f = map[string]string{s: "asc"}
				}
				fj, _ := json.Marshal(f)
				defJSON = append(defJSON, fj...)
			}
			defJSON = append(defJSON, ']')
			if ix.partial != nil {
				defJSON = append(defJSON, `,"partial_filter_selector":`...)
				defJSON = append(defJSON, ix.partial...)
			}
			defJSON = append(defJSON, '}')
			out = append(out, store.IndexInfo{DDoc: ix.ddoc, Name: ix.name, Type: "json", Def: defJSON})
		}
		return nil
	})
	return out, err
}

// DeleteIndex removes a Mango index from its design document, deleting the
// design document when it was its last view.
func (d *DB) DeleteIndex(ctx context.Context, ddoc, name string) error {
	if !strings.HasPrefix(ddoc, store.DesignPrefix) {
		ddoc = store.DesignPrefix + ddoc
	}
	return d.update(ctx, func(st *txState) error {
		rec, err := st.b.record(ddoc)
		if err != nil {
			return err
		}
		if rec == nil {
			return store.NotFound("Index not found")
		}
		w, raw := rec.winner()
		if w.Deleted {
			return store.NotFound("Index not found")
		}
		body := map[string]any{}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil {
			return err
		}
		views, _ := body["views"].(map[string]any)
		if _, ok := views[name]; !ok || body["language"] != "query" {
			return store.NotFound("Index not found")
		}
		delete(views, name)
		var e edit
		if len(views) == 0 {
			e = makeEdit([]byte(`{}`), ddoc, w.Rev.String(), true, true)
		} else {
			nb, err := json.Marshal(body)
			if err != nil {
				return err
			}
			e = makeEdit(nb, ddoc, w.Rev.String(), false, true)
		}
		out, err := d.applyEdit(st, e)
		if err != nil {
			return err
		}
		return out.Err
	})
}

// CopyDesign copies a design document (its current body) to another id. rev,
// when set, must be the source's current revision. An existing live target
// gives a conflict.
func (d *DB) CopyDesign(ctx context.Context, from, rev, to string) (store.Result, error) {
	if !strings.HasPrefix(from, store.DesignPrefix) || !strings.HasPrefix(to, store.DesignPrefix) {
		return store.Result{ID: to}, store.BadRequest("only design documents can be copied")
	}
	var res store.Result
	err := d.update(ctx, func(st *txState) error {
		rec, err := st.b.record(from)
		if err != nil {
			return err
		}
		if rec == nil {
			return store.NotFound(store.ReasonMissing)
		}
		w, body := rec.winner()
		if w.Deleted {
			return store.NotFound(store.ReasonDeleted)
		}
		if rev != "" && rev != w.Rev.String() {
			return store.Conflict()
		}
		res, err = d.applyEdit(st, makeEdit(body, to, "", false, true))
		if err != nil {
			return err
		}
		return res.Err
	})
	return res, err
}
