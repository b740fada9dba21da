package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
	"github.com/cozypi/cozy/services/queryserver"
)

func TestMain(m *testing.M) {
	if queryserver.IsChild() { // the views' query server re-runs this binary
		queryserver.ChildMain()
		return
	}
	os.Exit(m.Run())
}

func testPool(t testing.TB) *queryserver.Pool {
	t.Helper()
	p := &queryserver.Pool{Size: 1}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// viewRows runs a query and returns its head and rows as "id:key" (or
// "key=value" for reduced rows).
func viewRows(t *testing.T, db *DB, qs store.QueryServer, view string, q store.JSViewQuery) (store.JSViewHead, []string, error) {
	t.Helper()
	var head store.JSViewHead
	var rows []string
	err := db.QueryJSView(context.Background(), qs, "_design/t", view, q, func(h store.JSViewHead) error {
		head = h
		return nil
	}, func(r store.JSViewRow) error {
		if r.ID == "" {
			rows = append(rows, string(r.Key)+"="+string(r.Value))
		} else {
			rows = append(rows, r.ID+":"+string(r.Key))
		}
		return nil
	})
	return head, rows, err
}

// TestJSViewRanges checks the key options over keys of every type, and
// the chunked reads (more rows than jsChunkRows).
func TestJSViewRanges(t *testing.T) {
	s := openTest(t)
	db := s.DB("io.cozy.t").(*DB)
	qs := testPool(t)
	keys := []string{`null`, `false`, `true`, `-1`, `0`, `2.5`, `"a"`, `"B"`, `"b"`, `[1]`, `[1,"x"]`, `{"k":1}`}
	for i, k := range keys {
		put(t, db, fmt.Sprintf("k%02d", i), "", fmt.Sprintf(`{"key":%s}`, k))
	}
	for i := 0; i < 1100; i++ { // several chunks and batches
		put(t, db, fmt.Sprintf("m%04d", i), "", fmt.Sprintf(`{"many":%d}`, i%7))
	}
	put(t, db, "_design/t", "", `{"views":{
		"key":{"map":"function(d){ if ('key' in d) emit(d.key) }"},
		"many":{"map":"function(d){ if ('many' in d) emit(d.many, 1) }","reduce":"_count"}}}`)
	all := func(ks ...int) []string {
		var out []string
		for _, i := range ks {
			out = append(out, fmt.Sprintf("k%02d:%s", i, keys[i]))
		}
		return out
	}
	num := func(n float64) any { return json.Number(fmt.Sprint(n)) }
	for _, tt := range []struct {
		name string
		q    store.JSViewQuery
		want []string
	}{
		{"all", store.JSViewQuery{InclusiveEnd: true, Limit: -1}, all(0, 1, 2, 3, 4, 5, 6, 8, 7, 9, 10, 11)}, // ICU: "a" < "b" < "B"
		{"ICU strings", store.JSViewQuery{StartKey: "a", EndKey: "b", HasStart: true, HasEnd: true, InclusiveEnd: true, Limit: -1}, all(6, 8)},
		{"exclusive end", store.JSViewQuery{StartKey: "a", EndKey: "b", HasStart: true, HasEnd: true, Limit: -1}, all(6)},
		{"descending", store.JSViewQuery{StartKey: []any{num(1)}, EndKey: num(0), HasStart: true, HasEnd: true, Descending: true, InclusiveEnd: true, Limit: -1}, all(9, 7, 8, 6, 5, 4)},
		{"descending exclusive", store.JSViewQuery{StartKey: []any{num(1)}, EndKey: num(0), HasStart: true, HasEnd: true, Descending: true, Limit: -1}, all(9, 7, 8, 6, 5)},
		{"array prefix", store.JSViewQuery{StartKey: []any{num(1)}, EndKey: []any{num(1), map[string]any{}}, HasStart: true, HasEnd: true, InclusiveEnd: true, Limit: -1}, all(9, 10)},
		{"keys", store.JSViewQuery{Keys: []any{map[string]any{"k": num(1)}, nil, "zz"}, HasKeys: true, InclusiveEnd: true, Limit: -1}, all(11, 0)},
		{"skip limit", store.JSViewQuery{Skip: 2, Limit: 3, InclusiveEnd: true}, all(2, 3, 4)},
		{"start docid", store.JSViewQuery{StartKey: "a", StartDocID: "k07", HasStart: true, InclusiveEnd: true, Limit: 2}, all(8, 7)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, rows, err := viewRows(t, db, qs, "key", tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(rows, " ") != strings.Join(tt.want, " ") {
				t.Errorf("rows %v, want %v", rows, tt.want)
			}
		})
	}
	// Chunked reads: 1100 rows, skip past a chunk, descending.
	head, rows, err := viewRows(t, db, qs, "many", store.JSViewQuery{Reduce: new(bool), Skip: 600, Limit: -1, Descending: true, InclusiveEnd: true})
	if err != nil || head.TotalRows != 1100 || len(rows) != 500 || head.Offset != 600 {
		t.Fatalf("chunked: total %d offset %d, %d rows, %v", head.TotalRows, head.Offset, len(rows), err)
	}
	if rows[0] != "m0192:3" || rows[499] != "m0000:0" { // 3 keys of 157 rows, then 129 of key 3
		t.Errorf("chunked descending: first %s last %s", rows[0], rows[499])
	}
	_, rows, err = viewRows(t, db, qs, "many", store.JSViewQuery{Group: true, Limit: -1, InclusiveEnd: true})
	if err != nil || strings.Join(rows, " ") != "0=158 1=157 2=157 3=157 4=157 5=157 6=157" {
		t.Errorf("grouped count: %v, %v", rows, err)
	}
}

// TestJSViewPurgeAndDesign: purged documents leave the index; a design
// document whose map functions change is reindexed, one deleted loses its
// index.
func TestJSViewPurgeAndDesign(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	db := s.DB("io.cozy.t").(*DB)
	qs := testPool(t)
	rev := put(t, db, "a", "", `{"v":1}`)
	put(t, db, "b", "", `{"v":2}`)
	ddocRev := put(t, db, "_design/t", "", `{"views":{"v":{"map":"function(d){ emit(d.v) }"}}}`)
	q := store.JSViewQuery{InclusiveEnd: true, Limit: -1}
	if _, rows, err := viewRows(t, db, qs, "v", q); err != nil || len(rows) != 2 {
		t.Fatalf("before purge: %v %v", rows, err)
	}
	if _, err := db.Purge(ctx, map[string][]string{"a": {rev}}); err != nil {
		t.Fatal(err)
	}
	if _, rows, err := viewRows(t, db, qs, "v", q); err != nil || strings.Join(rows, " ") != "b:2" {
		t.Fatalf("after purge: %v %v", rows, err)
	}
	// A new reduce function: reduced rows.
	ddocRev = put(t, db, "_design/t", ddocRev, `{"views":{"v":{"map":"function(d){ emit(d.v) }","reduce":"_count"}}}`)
	if _, rows, err := viewRows(t, db, qs, "v", q); err != nil || strings.Join(rows, " ") != "null=1" {
		t.Fatalf("with a reduce: %v %v", rows, err)
	}
	ddocRev = put(t, db, "_design/t", ddocRev, `{"views":{"v":{"map":"function(d){ emit(-d.v) }"}}}`)
	if _, rows, err := viewRows(t, db, qs, "v", q); err != nil || strings.Join(rows, " ") != "b:-2" {
		t.Fatalf("after a new map: %v %v", rows, err)
	}
	if _, err := db.Delete(ctx, "_design/t", ddocRev); err != nil {
		t.Fatal(err)
	}
	err := db.view(ctx, func(b *buckets) error {
		if jsBucket(b.root, "_design/t") != nil {
			return errors.New("the index of a deleted design document is still stored")
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	if _, _, err := viewRows(t, db, qs, "v", q); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("query of a deleted ddoc: %v", err)
	}
}
