package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/cozypi/cozy/pkg/store"
)

// _local documents: never replicated, never in _all_docs or _changes, no
// revision tree (revs "0-N"), no events.

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
		doc = store.Doc{ID: full, Rev: rev, Body: store.RenderDoc(full, rev, v[l:], store.Meta{})}
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
		if cur == 0 {
			res.Err = store.NotFound(store.ReasonMissing)
			return res, nil
		}
		res.Rev = "0-0"
		return res, b.local.Delete([]byte(id))
	}
	cur++
	res.Rev = "0-" + strconv.FormatUint(cur, 10)
	v := binary.AppendUvarint(nil, cur)
	v = append(v, fields...)
	return res, b.local.Put([]byte(id), v)
}
