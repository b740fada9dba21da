package data

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/pkg/store/bolt"
)

// TestEachChangeFilter: the per-row filter sees each change with its
// document, limit counts the changes it keeps, and the document is not
// sent unless include_docs asked for it.
func TestEachChangeFilter(t *testing.T) {
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "store.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := st.DB("io.cozy.test")
	docs := make([]json.RawMessage, 600)
	for i := range docs {
		docs[i] = json.RawMessage(fmt.Sprintf(`{"_id":"d%03d","even":%t}`, i, i%2 == 0))
	}
	if _, err := db.BulkDocs(ctx, docs, true); err != nil {
		t.Fatal(err)
	}
	req := changesRequest{opts: store.ChangesOptions{Limit: 200}}
	req.filter = func(_ context.Context, ch store.Change) (bool, error) {
		var d struct{ Even bool }
		err := json.Unmarshal(ch.Doc, &d)
		return d.Even, err
	}
	var rows []changeRow
	res, err := eachChange(ctx, db, req, func(r changeRow) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil || len(rows) != 200 || rows[199].ID != "d398" || rows[0].Doc != nil || res.LastSeq != 399 || res.Pending != 201 {
		t.Fatalf("%d rows, last %+v, last_seq %d pending %d, %v", len(rows), rows[len(rows)-1], res.LastSeq, res.Pending, err)
	}
}
