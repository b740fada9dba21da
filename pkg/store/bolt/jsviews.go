package bolt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	bbolt "go.etcd.io/bbolt"

	"github.com/cozypi/cozy/pkg/collate"
	"github.com/cozypi/cozy/pkg/store"
)

// JavaScript views (store.JSViews). The doctype's "jsviews" bucket holds a
// bucket per design document id:
//
//	"sig"          the signature of the map functions indexed
//	"seq"          the update sequence the index is current at
//	"n:<view>"     the number of rows of a view
//	"ids"          doc id -> the row keys it gave, to remove them later
//	"v:<view>"     EncodeKey(key) + doc id + 0x00 + EncodeKey(value) (its first
//	               64 bytes) + u32 emit number -> JSON [key, id, value]
//
// Rows sort by key (CouchDB collation, the encoding's order), then by doc
// id in byte order as CouchDB sorts them. An index is updated on query
// from its sequence: the documents changed since are mapped by the query
// server (outside any transaction, in batches) and their rows replaced in
// one write transaction per batch. A write of the design document that
// changes its map functions, or deletes it, drops its index in that
// write's transaction (see dropJSViews); a purge removes the purged
// documents' rows.

var bJSViews = []byte("jsviews")

const (
	// jsBatchDocs and jsBatchBytes bound one batch of documents mapped
	// between two transactions.
	jsBatchDocs  = 256
	jsBatchBytes = 4 << 20
	// jsChunkRows is how many rows a read transaction of a query takes.
	jsChunkRows = 512
	// jsReduceBatch is how many values go to one JS reduce call.
	jsReduceBatch = 512
	// maxDupValueBytes is how much of a value's encoding orders the rows
	// one document emits under one key.
	maxDupValueBytes = 64
	// jsMapInput names what map functions are given and the row key
	// bound; part of every view's signature, so that changing it rebuilds
	// the views indexed before (2: the doc with "_conflicts", rows up to
	// maxEntryKey = 30 KiB).
	jsMapInput = "map-input 2\n"
)

var _ store.JSViews = (*DB)(nil)

// jsDesign is a design document's views as indexed.
type jsDesign struct {
	id, rev string
	body    json.RawMessage
	names   []string          // view names, sorted: the order of funs
	maps    []string          // map functions, by names
	reduces map[string]string // reduce functions, by view name
	sig     []byte
}

// viewIndex returns the index of a view in names, or -1.
func (j *jsDesign) viewIndex(name string) int {
	i, ok := slices.BinarySearch(j.names, name)
	if !ok {
		return -1
	}
	return i
}

// parseDesign reads the views of a design document body.
func parseDesign(id, rev string, body []byte) (*jsDesign, error) {
	var dd struct {
		Language string `json:"language"`
		Views    map[string]struct {
			Map    any `json:"map"`
			Reduce any `json:"reduce"`
		} `json:"views"`
	}
	if err := json.Unmarshal(body, &dd); err != nil {
		return nil, store.BadRequest("invalid design document: %v", err)
	}
	j := &jsDesign{id: id, rev: rev, body: body, reduces: map[string]string{}}
	if dd.Language != "" && dd.Language != "javascript" {
		return j, nil // a Mango index (language "query") has no JS views
	}
	h := sha256.New()
	h.Write([]byte(jsMapInput))
	for name := range dd.Views {
		j.names = append(j.names, name)
	}
	slices.Sort(j.names)
	for _, name := range j.names {
		v := dd.Views[name]
		m, _ := v.Map.(string)
		j.maps = append(j.maps, m)
		if r, ok := v.Reduce.(string); ok && r != "" {
			j.reduces[name] = r
		}
		fmt.Fprintf(h, "%d:%s%d:%s", len(name), name, len(m), m)
	}
	j.sig = []byte(hex.EncodeToString(h.Sum(nil)))
	return j, nil
}

// loadDesign reads the winning revision of a design document.
func (d *DB) loadDesign(ctx context.Context, ddoc string) (*jsDesign, error) {
	id := ddoc
	if !strings.HasPrefix(id, store.DesignPrefix) {
		id = store.DesignPrefix + id
	}
	doc, err := d.Get(ctx, id, store.GetOptions{})
	if err != nil {
		return nil, err
	}
	return parseDesign(id, doc.Rev, doc.Body)
}

// jsLock serialises the updates of one design document's index.
func (s *Store) jsLock(doctype, ddoc string) *sync.Mutex {
	m, _ := s.jsLocks.LoadOrStore(doctype+"\x00"+ddoc, &sync.Mutex{})
	return m.(*sync.Mutex)
}

// UpdateJSViews implements store.JSViews.
func (d *DB) UpdateJSViews(ctx context.Context, qs store.QueryServer, ddoc string) (uint64, error) {
	j, err := d.loadDesign(ctx, ddoc)
	if err != nil {
		return 0, err
	}
	return d.updateJS(ctx, qs, j)
}

// mappedDoc is a changed document of a batch.
type mappedDoc struct {
	id   string
	body json.RawMessage // nil: deleted (no rows)
	rows [][]store.KV
}

// updateJS brings the index of j up to the database's current sequence.
func (d *DB) updateJS(ctx context.Context, qs store.QueryServer, j *jsDesign) (uint64, error) {
	if len(j.names) == 0 {
		return 0, nil
	}
	mu := d.s.jsLock(d.doctype, j.id)
	mu.Lock()
	defer mu.Unlock()
	var target uint64
	first := true
	for {
		var (
			from, last uint64
			reset      bool
			batch      []mappedDoc
		)
		err := d.view(ctx, func(b *buckets) error {
			if first {
				target = getU64(b.info, "seq")
			}
			vb := jsBucket(b.root, j.id)
			if vb == nil || !bytes.Equal(vb.Get([]byte("sig")), j.sig) {
				reset = true
			} else {
				from = getU64(vb, "seq")
			}
			last = from
			size := 0
			c := b.seqs.Cursor()
			for k, v := c.Seek(u64(from + 1)); k != nil && len(batch) < jsBatchDocs && size < jsBatchBytes; k, v = c.Next() {
				seq := binary.BigEndian.Uint64(k)
				if seq > target {
					break
				}
				last = seq
				id := string(v)
				if strings.HasPrefix(id, store.DesignPrefix) {
					continue
				}
				raw := b.docs.Get(v)
				if raw == nil {
					continue
				}
				rec, err := decodeRecord(raw)
				if err != nil {
					return err
				}
				w, body := rec.winner()
				md := mappedDoc{id: id}
				if !w.Deleted {
					// Map functions see "_conflicts" as in CouchDB (and
					// PouchDB): `if (doc._conflicts) emit(...)` finds them.
					meta := store.Meta{Conflicts: revStrings(rec.tree.Conflicts())}
					md.body = store.RenderDoc(id, w.Rev.String(), body, meta)
					size += len(md.body)
				}
				batch = append(batch, md)
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		first = false
		if !reset && last == from {
			return from, nil // current
		}
		var live []json.RawMessage
		for _, md := range batch {
			if md.body != nil {
				live = append(live, md.body)
			}
		}
		if len(live) > 0 {
			rows, err := qs.Map(ctx, j.maps, live)
			if err != nil {
				return 0, fmt.Errorf("view %s: %w", j.id, err)
			}
			k := 0
			for i := range batch {
				if batch[i].body != nil {
					batch[i].rows = rows[k]
					k++
				}
			}
		}
		stale := false
		err = d.s.updateTx(func(tx *bbolt.Tx) error {
			root := tx.Bucket(d.name)
			if root == nil {
				return missingDB()
			}
			jv, err := root.CreateBucketIfNotExists(bJSViews)
			if err != nil {
				return err
			}
			vb := jv.Bucket([]byte(j.id))
			if reset {
				if vb != nil {
					if err := jv.DeleteBucket([]byte(j.id)); err != nil {
						return err
					}
				}
				if vb, err = jv.CreateBucket([]byte(j.id)); err != nil {
					return err
				}
				if _, err := vb.CreateBucket([]byte("ids")); err != nil {
					return err
				}
				for _, name := range j.names {
					if _, err := vb.CreateBucket([]byte("v:" + name)); err != nil {
						return err
					}
				}
				if err := vb.Put([]byte("sig"), j.sig); err != nil {
					return err
				}
			} else if vb == nil || !bytes.Equal(vb.Get([]byte("sig")), j.sig) || getU64(vb, "seq") != from {
				stale = true // the design document changed meanwhile
				return nil
			}
			for _, md := range batch {
				if err := d.replaceRows(vb, j, md); err != nil {
					return err
				}
			}
			return vb.Put([]byte("seq"), u64(last))
		})
		if err != nil {
			return 0, mapErr(err)
		}
		if stale {
			if j, err = d.loadDesign(ctx, j.id); err != nil {
				return 0, err
			}
			if len(j.names) == 0 {
				return 0, nil
			}
		}
	}
}

// jsBucket returns the index bucket of a design document, or nil.
func jsBucket(root *bbolt.Bucket, ddocID string) *bbolt.Bucket {
	jv := root.Bucket(bJSViews)
	if jv == nil {
		return nil
	}
	return jv.Bucket([]byte(ddocID))
}

// replaceRows removes a document's rows and writes its new ones.
func (d *DB) replaceRows(vb *bbolt.Bucket, j *jsDesign, md mappedDoc) error {
	ids := vb.Bucket([]byte("ids"))
	if err := removeRows(vb, j.names, ids.Get([]byte(md.id))); err != nil {
		return err
	}
	var back []byte
	for f, rows := range md.rows {
		if f >= len(j.names) {
			break
		}
		name := j.names[f]
		bucket := vb.Bucket([]byte("v:" + name))
		added := uint64(0)
		for n, kv := range rows {
			key, err := decodeJSON(kv[0])
			if err != nil {
				continue
			}
			rk := collate.EncodeKey(nil, key)
			rk = append(rk, md.id...)
			rk = append(rk, 0)
			// A document's rows under one key sort by value (as PouchDB
			// sorts them), then in emit order.
			if val, err := decodeJSON(kv[1]); err == nil {
				enc := collate.EncodeKey(nil, val)
				rk = append(rk, enc[:min(len(enc), maxDupValueBytes)]...)
			}
			rk = binary.BigEndian.AppendUint32(rk, uint32(n))
			if len(rk) > maxEntryKey {
				d.s.log.Warn("view row left out: key too long", "doctype", d.doctype, "ddoc", j.id, "view", name, "id", md.id)
				continue
			}
			idJSON, _ := json.Marshal(md.id)
			val := make([]byte, 0, len(kv[0])+len(idJSON)+len(kv[1])+4)
			val = append(append(append(append(append(append(append(val, '['), kv[0]...), ','), idJSON...), ','), kv[1]...), ']')
			if err := bucket.Put(rk, val); err != nil {
				return err
			}
			back = binary.BigEndian.AppendUint16(back, uint16(f))
			back = binary.BigEndian.AppendUint32(back, uint32(len(rk)))
			back = append(back, rk...)
			added++
		}
		if added > 0 {
			if err := vb.Put([]byte("n:"+name), u64(getU64(vb, "n:"+name)+added)); err != nil {
				return err
			}
		}
	}
	if len(back) == 0 {
		return ids.Delete([]byte(md.id))
	}
	return ids.Put([]byte(md.id), back)
}

// removeRows deletes the rows a back-index entry lists.
func removeRows(vb *bbolt.Bucket, names []string, back []byte) error {
	for len(back) >= 6 {
		f := int(binary.BigEndian.Uint16(back))
		l := int(binary.BigEndian.Uint32(back[2:]))
		if 6+l > len(back) {
			return errors.New("corrupt view back-index")
		}
		rk := back[6 : 6+l]
		back = back[6+l:]
		if f >= len(names) {
			continue
		}
		bucket := vb.Bucket([]byte("v:" + names[f]))
		if bucket == nil || bucket.Get(rk) == nil {
			continue
		}
		if err := bucket.Delete(rk); err != nil {
			return err
		}
		if n := getU64(vb, "n:"+names[f]); n > 0 {
			if err := vb.Put([]byte("n:"+names[f]), u64(n-1)); err != nil {
				return err
			}
		}
	}
	return nil
}

// dropJSViews runs in the write of a design document: its index goes when
// the document is deleted or its map functions change.
func (d *DB) dropJSViews(st *txState, id string, newDoc *store.Doc) error {
	jv := st.b.root.Bucket(bJSViews)
	if jv == nil || jv.Bucket([]byte(id)) == nil {
		return nil
	}
	if !newDoc.Deleted {
		if j, err := parseDesign(id, newDoc.Rev, newDoc.Body); err == nil &&
			bytes.Equal(j.sig, jv.Bucket([]byte(id)).Get([]byte("sig"))) {
			return nil
		}
	}
	return jv.DeleteBucket([]byte(id))
}

// purgeJSViews removes the rows of a purged document from every index.
func (d *DB) purgeJSViews(st *txState, id string) error {
	jv := st.b.root.Bucket(bJSViews)
	if jv == nil {
		return nil
	}
	return jv.ForEachBucket(func(k []byte) error {
		vb := jv.Bucket(k)
		ids := vb.Bucket([]byte("ids"))
		if ids == nil {
			return nil
		}
		back := ids.Get([]byte(id))
		if back == nil {
			return nil
		}
		var names []string
		_ = vb.ForEachBucket(func(name []byte) error {
			if n, ok := strings.CutPrefix(string(name), "v:"); ok {
				names = append(names, n)
			}
			return nil
		})
		slices.Sort(names)
		if err := removeRows(vb, names, back); err != nil {
			return err
		}
		return ids.Delete([]byte(id))
	})
}

func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}
