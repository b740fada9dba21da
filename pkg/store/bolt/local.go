package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/cozypi/cozy/pkg/store"
	bbolt "go.etcd.io/bbolt"
)

// _local documents: never replicated, never in _all_docs or _changes, no
// revision tree (revs "0-N"), no events. Each is at most
// store.MaxLocalSize bytes and a doctype holds at most store.MaxLocalDocs.

func localID(id string) string { return strings.TrimPrefix(id, store.LocalPrefix) }

func parseLocalRev(rev string) (uint64, bool) {
	n, ok := strings.CutPrefix(rev, "0-")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseUint(n, 10, 64)
	return v, err == nil && v > 0
}

// GetLocal returns a _local document.
func (d *DB) GetLocal(ctx context.Context, id string) (store.Doc, error) {
	var doc store.Doc
	id = localID(id)
	err := d.view(ctx, func(b *buckets) error {
		v := b.local.Get([]byte(id))
		if v == nil {
			return store.NotFound(store.ReasonMissing)
		}
		n, l := binary.Uvarint(v)
		if l <= 0 {
			return store.NotFound(store.ReasonMissing)
		}
		rev := "0-" + strconv.FormatUint(n, 10)
		full := store.LocalPrefix + id
		fields, err := dropAttachments(v[l:]) // kept by versions before they were dropped
		if err != nil {
			return fmt.Errorf("local document %q: %w", full, err)
		}
		doc = store.Doc{ID: full, Rev: rev, Body: store.RenderDoc(full, rev, fields, store.Meta{})}
		return nil
	})
	return doc, err
}

// PutLocal writes a _local document. The body's "_rev" must be the current
// revision (absent to create).
func (d *DB) PutLocal(ctx context.Context, id string, body json.RawMessage) (store.Result, error) {
	full := store.LocalPrefix + localID(id)
	res, err := d.write(ctx, []edit{makeEdit(body, full, "", false, true)})
	if err != nil {
		return store.Result{ID: full}, err
	}
	return res[0], res[0].Err
}

// DeleteLocal deletes a _local document at rev.
func (d *DB) DeleteLocal(ctx context.Context, id, rev string) (store.Result, error) {
	full := store.LocalPrefix + localID(id)
	res, err := d.write(ctx, []edit{makeEdit([]byte(`{}`), full, rev, true, true)})
	if err != nil {
		return store.Result{ID: full}, err
	}
	return res[0], res[0].Err
}

func (d *DB) putLocalTx(b *buckets, id string, fields []byte, rev string, deleted bool) (store.Result, error) {
	res := store.Result{ID: store.LocalPrefix + id}
	cur := uint64(0)
	if v := b.local.Get([]byte(id)); v != nil {
		cur, _ = binary.Uvarint(v)
	}
	if deleted && cur == 0 {
		// Missing first, whatever the rev (CouchDB's order: PouchDB's
		// "remove missing" deletes with a made-up rev and expects 404).
		res.Err = store.NotFound(store.ReasonMissing)
		return res, nil
	}
	if rev != "" {
		n, ok := parseLocalRev(rev)
		if !ok {
			res.Err = store.BadRequest("Invalid rev format")
			return res, nil
		}
		if n != cur {
			res.Err = store.Conflict()
			return res, nil
		}
	} else if cur != 0 {
		res.Err = store.Conflict()
		return res, nil
	}
	if deleted {
		res.Rev = "0-0"
		return res, b.local.Delete([]byte(id))
	}
	if len(fields) > store.MaxLocalSize {
		res.Err = store.TooLarge("A _local document may hold at most %d bytes", store.MaxLocalSize)
		return res, nil
	}
	if cur == 0 && countUpTo(b.local, store.MaxLocalDocs) >= store.MaxLocalDocs {
		res.Err = &store.Error{Kind: store.ErrForbidden, Code: "forbidden",
			Reason: fmt.Sprintf("A doctype may hold at most %d _local documents", store.MaxLocalDocs)}
		return res, nil
	}
	cur++
	res.Rev = "0-" + strconv.FormatUint(cur, 10)
	v := binary.AppendUvarint(nil, cur)
	v = append(v, fields...)
	return res, b.local.Put([]byte(id), v)
}

// countUpTo counts the keys of b, stopping at max: bounding the _local
// documents costs at most max steps per new one, and needs no counter.
func countUpTo(b *bbolt.Bucket, max int) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil && n < max; k, _ = c.Next() {
		n++
	}
	return n
}
