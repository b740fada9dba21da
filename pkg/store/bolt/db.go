package bolt

import (
	"context"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"github.com/cozypi/cozy/pkg/store"
)

// Names of the sub-buckets of a doctype bucket.
var (
	bInfo    = []byte("info")
	bDocs    = []byte("docs")
	bSeqs    = []byte("seqs")
	bLocal   = []byte("local")
	bIdxDefs = []byte("idxdefs")
	bIdx     = []byte("idx")
	subNames = [][]byte{bInfo, bDocs, bSeqs, bLocal, bIdxDefs, bIdx}
)

// DB is one doctype database in a Store.
type DB struct {
	s       *Store
	doctype string
	name    []byte
	invalid error
}

var _ store.DB = (*DB)(nil)

// Doctype returns the doctype.
func (d *DB) Doctype() string { return d.doctype }

// buckets are the sub-buckets of a doctype in one transaction.
type buckets struct {
	root, info, docs, seqs, local, idxdefs, idx *bbolt.Bucket
}

func (d *DB) open(tx *bbolt.Tx) *buckets {
	root := tx.Bucket(d.name)
	if root == nil {
		return nil
	}
	return &buckets{
		root: root, info: root.Bucket(bInfo), docs: root.Bucket(bDocs), seqs: root.Bucket(bSeqs),
		local: root.Bucket(bLocal), idxdefs: root.Bucket(bIdxDefs), idx: root.Bucket(bIdx),
	}
}

func (d *DB) create(tx *bbolt.Tx) (*buckets, error) {
	if b := d.open(tx); b != nil {
		return b, nil
	}
	root, err := tx.CreateBucket(d.name)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", d.doctype, err)
	}
	for _, n := range subNames {
		if _, err := root.CreateBucket(n); err != nil {
			return nil, fmt.Errorf("create %s/%s: %w", d.doctype, n, err)
		}
	}
	return d.open(tx), nil
}

func missingDB() error { return store.NotFound("Database does not exist.") }

// view runs fn in a read transaction on an existing database.
func (d *DB) view(ctx context.Context, fn func(b *buckets) error) error {
	if d.invalid != nil {
		return d.invalid
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return mapErr(d.s.viewTx(func(tx *bbolt.Tx) error {
		b := d.open(tx)
		if b == nil {
			return missingDB()
		}
		return fn(b)
	}))
}

// Info returns the counters of the database.
func (d *DB) Info(ctx context.Context) (store.Info, error) {
	info := store.Info{Doctype: d.doctype}
	err := d.view(ctx, func(b *buckets) error {
		info.UpdateSeq = getU64(b.info, "seq")
		info.DocCount = int64(getU64(b.info, "docs"))
		info.DocDelCount = int64(getU64(b.info, "deleted"))
		return nil
	})
	return info, err
}

// Create creates the database; ErrExists (file_exists) if it exists.
func (d *DB) Create(ctx context.Context) error {
	if d.invalid != nil {
		return d.invalid
	}
	return mapErr(d.s.updateTx(func(tx *bbolt.Tx) error {
		if tx.Bucket(d.name) != nil {
			return &store.Error{Kind: store.ErrExists, Code: "file_exists", Reason: "The database could not be created, the file already exists."}
		}
		_, err := d.create(tx)
		return err
	}))
}

// Destroy deletes the database.
func (d *DB) Destroy(ctx context.Context) error {
	if d.invalid != nil {
		return d.invalid
	}
	var dropped []string
	err := d.s.updateTx(func(tx *bbolt.Tx) error {
		root := tx.Bucket(d.name)
		if root == nil {
			return missingDB()
		}
		var err error
		if dropped, err = destroyRefs(tx, root); err != nil {
			return err
		}
		return tx.DeleteBucket(d.name)
	})
	if err == nil {
		d.s.forgetValidators()
		d.s.notify(d.doctype)
		d.s.blobs.collect(dropped)
	}
	return mapErr(err)
}
