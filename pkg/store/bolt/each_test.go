package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/cozypi/cozy/pkg/mango"
	"github.com/cozypi/cozy/pkg/store"
)

// eachDocs writes n documents "doc-0000".. with {"n": i} in one bulk
// (sequences 1..n), more than several batches of the Each methods.
// With index, an index on n is created first (a design document at
// sequence 1, the documents follow).
func eachDocs(t *testing.T, n int, index bool) store.DB {
	t.Helper()
	ctx := context.Background()
	db := openTest(t).DB("io.cozy.each")
	if err := db.Create(ctx); err != nil {
		t.Fatal(err)
	}
	if index {
		if _, err := db.CreateIndex(ctx, json.RawMessage(`{"index":{"fields":["n"]}}`)); err != nil {
			t.Fatal(err)
		}
	}
	docs := make([]json.RawMessage, n)
	for i := range docs {
		docs[i] = json.RawMessage(fmt.Sprintf(`{"_id":"doc-%04d","n":%d}`, i, i))
	}
	if _, err := db.BulkDocs(ctx, docs, true); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestEachChangeBatches: a feed longer than a batch comes whole and in
// order, in both directions, with limits that end inside a batch, and a
// document written while the feed is read (between batches) comes again
// at its new sequence.
func TestEachChangeBatches(t *testing.T) {
	ctx := context.Background()
	n := 3*batchRows + 17
	db := eachDocs(t, n, false)
	ids := func(o store.ChangesOptions) ([]string, store.ChangesResult) {
		var out []string
		res, err := db.EachChange(ctx, o, func(ch store.Change) error {
			out = append(out, ch.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out, res
	}
	got, res := ids(store.ChangesOptions{})
	if len(got) != n || got[0] != "doc-0000" || got[n-1] != fmt.Sprintf("doc-%04d", n-1) || res.LastSeq != uint64(n) || res.Pending != 0 {
		t.Fatalf("all: %d rows, last %d pending %d", len(got), res.LastSeq, res.Pending)
	}
	got, res = ids(store.ChangesOptions{Since: 10, Limit: batchRows + 5})
	if len(got) != batchRows+5 || got[0] != "doc-0010" || res.LastSeq != uint64(10+batchRows+5) || res.Pending != int64(n-10-batchRows-5) {
		t.Fatalf("limit: %d rows from %s, last %d pending %d", len(got), got[0], res.LastSeq, res.Pending)
	}
	got, res = ids(store.ChangesOptions{Descending: true})
	if len(got) != n || got[0] != fmt.Sprintf("doc-%04d", n-1) || got[n-1] != "doc-0000" || res.LastSeq != 1 {
		t.Fatalf("descending: %d rows, last %d", len(got), res.LastSeq)
	}
	got, _ = ids(store.ChangesOptions{Descending: true, Since: 100})
	if len(got) != n-100 || got[len(got)-1] != "doc-0100" {
		t.Fatalf("descending since 100: %d rows, ends %s", len(got), got[len(got)-1])
	}

	// ErrStop ends the feed at that change, as a limit would.
	k := 0
	res, err := db.EachChange(ctx, store.ChangesOptions{}, func(store.Change) error {
		if k++; k == 300 {
			return store.ErrStop
		}
		return nil
	})
	if err != nil || res.LastSeq != 300 || res.Pending != int64(n-300) {
		t.Fatalf("stop: last %d pending %d, %v", res.LastSeq, res.Pending, err)
	}

	// doc-0000 is updated after the first batch: it comes again at the end.
	var seen []string
	res, err = db.EachChange(ctx, store.ChangesOptions{}, func(ch store.Change) error {
		seen = append(seen, ch.ID)
		if len(seen) == 1 {
			doc, err := db.Get(ctx, "doc-0000", store.GetOptions{})
			if err != nil {
				return err
			}
			_, err = db.Put(ctx, store.Doc{ID: "doc-0000", Rev: doc.Rev, Body: json.RawMessage(`{"n":-1}`)}, store.PutOptions{})
			return err
		}
		return nil
	})
	if err != nil || len(seen) != n+1 || seen[n] != "doc-0000" || res.LastSeq != uint64(n+1) {
		t.Fatalf("written meanwhile: %d rows, last %s, last_seq %d, %v", len(seen), seen[len(seen)-1], res.LastSeq, err)
	}
}

// TestEachAllDocsBatches: ranges, skip, limit and keys across batches.
func TestEachAllDocsBatches(t *testing.T) {
	ctx := context.Background()
	n := 3*batchRows + 17
	db := eachDocs(t, n, false)
	list := func(o store.AllDocsOptions) ([]string, store.AllDocsResult) {
		var out []string
		res, err := db.EachAllDocs(ctx, o, func(r store.AllDocsRow) error {
			if o.IncludeDocs && r.Err == nil && r.Doc == nil {
				t.Errorf("%s: no doc", r.ID)
			}
			out = append(out, r.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out, res
	}
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("doc-%04d", i)
	}
	got, res := list(store.AllDocsOptions{InclusiveEnd: true, IncludeDocs: true, ExcludeDesignDocs: true})
	if !slices.Equal(got, want) || res.TotalRows != int64(n) {
		t.Fatalf("all: %d rows, total %d", len(got), res.TotalRows)
	}
	got, res = list(store.AllDocsOptions{InclusiveEnd: true, Descending: true, Skip: 3, Limit: 2 * batchRows, ExcludeDesignDocs: true})
	rev := slices.Clone(want)
	slices.Reverse(rev)
	if !slices.Equal(got, rev[3:3+2*batchRows]) || res.Offset != 3 {
		t.Fatalf("descending skip limit: %d rows from %s, offset %d", len(got), got[0], res.Offset)
	}
	start, end := "doc-0100", "doc-0700"
	got, _ = list(store.AllDocsOptions{StartKey: &start, EndKey: &end})
	if !slices.Equal(got, want[100:700]) {
		t.Fatalf("range: %d rows", len(got))
	}
	keys := append(slices.Clone(want[:2*batchRows]), "nope")
	got, _ = list(store.AllDocsOptions{Keys: keys, IncludeDocs: true, Skip: 1})
	if !slices.Equal(got, keys[1:]) {
		t.Fatalf("keys: %d rows", len(got))
	}
}

// TestEachFindBatches: a _find answer longer than a batch, with skip,
// and its bookmark resuming after the last document.
func TestEachFindBatches(t *testing.T) {
	ctx := context.Background()
	n := 3*batchRows + 17
	db := eachDocs(t, n, true)
	find := func(q string) ([]string, store.FindResult) {
		mq, err := mango.ParseQuery(json.RawMessage(q))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		res, err := db.EachFind(ctx, mq, func(doc json.RawMessage) error {
			var d struct {
				ID string `json:"_id"`
			}
			if err := json.Unmarshal(doc, &d); err != nil {
				return err
			}
			out = append(out, d.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out, res
	}
	got, res := find(fmt.Sprintf(`{"selector":{"n":{"$gte":10}},"skip":5,"limit":%d}`, 2*batchRows+3))
	if len(got) != 2*batchRows+3 || got[0] != "doc-0015" {
		t.Fatalf("find: %d docs from %s", len(got), got[0])
	}
	next, _ := find(fmt.Sprintf(`{"selector":{"n":{"$gte":10}},"limit":1,"bookmark":%q}`, res.Bookmark))
	if len(next) != 1 || next[0] != fmt.Sprintf("doc-%04d", 15+2*batchRows+3) {
		t.Fatalf("bookmark: %v", next)
	}
	got, _ = find(fmt.Sprintf(`{"selector":{"n":{"$gte":0}},"sort":[{"n":"desc"}],"limit":%d}`, n))
	if len(got) != n || got[0] != fmt.Sprintf("doc-%04d", n-1) || got[n-1] != "doc-0000" {
		t.Fatalf("descending: %d docs", len(got))
	}
}
