package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/collate"
	"github.com/cozypi/cozy/pkg/store"
)

// refsView emits [type, id] for each element of "refs", as the VFS does.
var refsView = store.GoView{Name: "refs", Version: "1", Map: func(doc map[string]any) [][]any {
	refs, _ := doc["refs"].([]any)
	var out [][]any
	for _, r := range refs {
		m, _ := r.(map[string]any)
		t, _ := m["type"].(string)
		id, _ := m["id"].(string)
		if t != "" && id != "" {
			out = append(out, []any{t, id})
		}
	}
	return out
}}

// scanRows computes the expected rows for prefix from every live document.
func scanRows(t *testing.T, db store.DB, prefix []any) []store.ViewRow {
	t.Helper()
	res, err := db.AllDocs(context.Background(), store.AllDocsOptions{InclusiveEnd: true, IncludeDocs: true, ExcludeDesignDocs: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.ViewRow
	for _, row := range res.Rows {
		m, err := store.DecodeDoc(row.Doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range refsView.Map(m) {
			if hasPrefix(k, prefix) {
				out = append(out, store.ViewRow{Key: k, ID: row.ID})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b store.ViewRow) int {
		if c := collate.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return slices.CompactFunc(out, func(a, b store.ViewRow) bool {
		return a.ID == b.ID && collate.Compare(a.Key, b.Key) == 0
	})
}

func query(t *testing.T, db store.DB, q store.ViewQuery) store.ViewPage {
	t.Helper()
	page, err := db.(store.GoViews).QueryGoView(context.Background(), "refs", q)
	if err != nil {
		t.Fatal(err)
	}
	return page
}

func checkView(t *testing.T, db store.DB, step string) {
	t.Helper()
	for _, prefix := range [][]any{nil, {"io.cozy.albums"}, {"io.cozy.albums", "a1"}, {"io.cozy.albums", "a2"}, {"io.cozy.playlists", "p1"}} {
		want := scanRows(t, db, prefix)
		got := query(t, db, store.ViewQuery{Prefix: prefix})
		if got.Total != len(want) || !sameRows(got.Rows, want) {
			t.Fatalf("%s: prefix %v: view %v (total %d), full scan %v", step, prefix, got.Rows, got.Total, want)
		}
		rev := query(t, db, store.ViewQuery{Prefix: prefix, Descending: true})
		slices.Reverse(want)
		if !sameRows(rev.Rows, want) {
			t.Fatalf("%s: prefix %v descending: view %v, full scan %v", step, prefix, rev.Rows, want)
		}
	}
}

func sameRows(a, b []store.ViewRow) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || collate.Compare(a[i].Key, b[i].Key) != 0 {
			return false
		}
	}
	return true
}

func refsBody(rng *rand.Rand) string {
	types := []string{"io.cozy.albums", "io.cozy.playlists"}
	ids := []string{"a1", "a2", "p1"}
	var refs []map[string]string
	for i := rng.IntN(4); i > 0; i-- {
		refs = append(refs, map[string]string{"type": types[rng.IntN(2)], "id": ids[rng.IntN(3)]})
	}
	b, _ := json.Marshal(map[string]any{"refs": refs})
	return string(b)
}

// Random creates, updates, deletes, replicated writes (conflicts) and bulk
// writes keep the view equal to a full scan of the documents.
func TestGoViewMatchesFullScan(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	db := s.DB("io.cozy.files")
	// Documents written before registration are indexed by the build.
	put(t, db, "pre1", "", `{"refs":[{"type":"io.cozy.albums","id":"a1"}]}`)
	put(t, db, "pre2", "", `{"refs":[{"type":"io.cozy.albums","id":"a1"},{"type":"io.cozy.albums","id":"a2"}]}`)
	if err := db.(store.GoViews).RegisterView(ctx, refsView); err != nil {
		t.Fatal(err)
	}
	checkView(t, db, "after registration")
	rng := rand.New(rand.NewPCG(1, 2))
	revs := map[string]string{}
	for i := 0; i < 300; i++ {
		id := fmt.Sprintf("d%d", rng.IntN(30))
		var step string
		switch op := rng.IntN(10); {
		case op < 4: // create or update
			res, err := db.Put(ctx, store.Doc{ID: id, Rev: revs[id], Body: json.RawMessage(refsBody(rng))}, store.PutOptions{})
			if errors.Is(err, store.ErrConflict) {
				continue
			} else if err != nil {
				t.Fatal(err)
			}
			revs[id], step = res.Rev, "put "+id
		case op < 6: // delete
			if revs[id] == "" {
				continue
			}
			res, err := db.Delete(ctx, id, revs[id])
			if err != nil {
				t.Fatal(err)
			}
			revs[id], step = "", "delete "+id
			_ = res
		case op < 8: // replicated write, possibly a conflicting branch
			body := map[string]any{}
			_ = json.Unmarshal([]byte(refsBody(rng)), &body)
			body["_id"], body["_rev"] = id, fmt.Sprintf("%d-%x", 1+rng.IntN(3), rng.Uint32())
			raw, _ := json.Marshal(body)
			replicate(t, db, string(raw))
			doc, err := db.Get(ctx, id, store.GetOptions{})
			if err == nil {
				revs[id] = doc.Rev
			} else {
				revs[id] = ""
			}
			step = "replicate " + id
		default: // bulk
			var docs []json.RawMessage
			for j := 0; j < 5; j++ {
				docs = append(docs, json.RawMessage(fmt.Sprintf(`{"_id":"bulk%d-%d",%s`, i, j, refsBody(rng)[1:])))
			}
			if _, err := db.BulkDocs(ctx, docs, true); err != nil {
				t.Fatal(err)
			}
			step = "bulk"
		}
		if i%10 == 0 {
			checkView(t, db, step)
		}
	}
	checkView(t, db, "end")
}

func TestGoViewPagination(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	db := s.DB("io.cozy.files")
	if err := db.(store.GoViews).RegisterView(ctx, refsView); err != nil {
		t.Fatal(err)
	}
	var docs []json.RawMessage
	for i := 0; i < 250; i++ {
		docs = append(docs, json.RawMessage(fmt.Sprintf(`{"_id":"f%03d","refs":[{"type":"io.cozy.albums","id":"a1"}]}`, i)))
	}
	docs = append(docs, json.RawMessage(`{"_id":"other","refs":[{"type":"io.cozy.albums","id":"a10"}]}`))
	if _, err := db.BulkDocs(ctx, docs, true); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		q           store.ViewQuery
		first, last string
		n           int
	}{
		{"first page", store.ViewQuery{Prefix: []any{"io.cozy.albums", "a1"}, Limit: 100}, "f000", "f099", 100},
		{"cursor", store.ViewQuery{Prefix: []any{"io.cozy.albums", "a1"}, Limit: 100,
			After: &store.ViewRow{Key: []any{"io.cozy.albums", "a1"}, ID: "f199"}}, "f200", "f249", 50},
		{"skip", store.ViewQuery{Prefix: []any{"io.cozy.albums", "a1"}, Skip: 240, Limit: 100}, "f240", "f249", 10},
		{"descending cursor", store.ViewQuery{Prefix: []any{"io.cozy.albums", "a1"}, Limit: 2, Descending: true,
			After: &store.ViewRow{Key: []any{"io.cozy.albums", "a1"}, ID: "f100"}}, "f099", "f098", 2},
	}
	for _, tt := range tests {
		page := query(t, db, tt.q)
		if len(page.Rows) != tt.n || page.Rows[0].ID != tt.first || page.Rows[len(page.Rows)-1].ID != tt.last || page.Total != 250 {
			t.Errorf("%s: %d rows %v..%v total %d", tt.name, len(page.Rows), page.Rows[0], page.Rows[len(page.Rows)-1], page.Total)
		}
	}
	if _, err := db.(store.GoViews).QueryGoView(ctx, "nope", store.ViewQuery{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unregistered view: %v", err)
	}
}

// Writes made while the view is not registered (another process run) are
// caught up when it is registered again; a new version rebuilds it.
func TestGoViewRebuiltWhenStale(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "instance.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db := s.DB("io.cozy.files")
	if err := db.(store.GoViews).RegisterView(ctx, refsView); err != nil {
		t.Fatal(err)
	}
	rev := put(t, db, "x", "", `{"refs":[{"type":"io.cozy.albums","id":"a1"}]}`)
	s.Close()

	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db = s.DB("io.cozy.files")
	put(t, db, "x", rev, `{"refs":[{"type":"io.cozy.albums","id":"a2"}]}`)
	if err := db.(store.GoViews).RegisterView(ctx, refsView); err != nil {
		t.Fatal(err)
	}
	checkView(t, db, "re-registered after unindexed writes")
	v2 := refsView
	v2.Version, v2.Map = "2", func(map[string]any) [][]any { return [][]any{{"io.cozy.albums", "a1"}} }
	if err := db.(store.GoViews).RegisterView(ctx, v2); err != nil {
		t.Fatal(err)
	}
	if page := query(t, db, store.ViewQuery{Prefix: []any{"io.cozy.albums", "a1"}}); len(page.Rows) != 1 || page.Rows[0].ID != "x" {
		t.Errorf("new version not rebuilt: %v", page.Rows)
	}
	if err := db.(store.GoViews).RegisterView(ctx, store.GoView{Name: "bad"}); !errors.Is(err, store.ErrBadRequest) {
		t.Errorf("view without map: %v", err)
	}
}

// Prefixes match component-wise and exactly: [1] is not a prefix of [12],
// and 1 matches 1.0 however it is written.
func TestGoViewNumericPrefix(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	db := s.DB("io.cozy.nums")
	v := store.GoView{Name: "n", Map: func(doc map[string]any) [][]any { return [][]any{{doc["n"], doc["m"]}} }}
	if err := db.(store.GoViews).RegisterView(ctx, v); err != nil {
		t.Fatal(err)
	}
	put(t, db, "a", "", `{"n":1,"m":"x"}`)
	put(t, db, "b", "", `{"n":1.0,"m":"y"}`)
	put(t, db, "c", "", `{"n":12,"m":"z"}`)
	tests := []struct {
		prefix []any
		want   []string
	}{
		{[]any{float64(1)}, []string{"a", "b"}},
		{[]any{json.Number("12")}, []string{"c"}},
		{[]any{float64(1), "y"}, []string{"b"}},
		{nil, []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		page, err := db.(store.GoViews).QueryGoView(ctx, "n", store.ViewQuery{Prefix: tt.prefix})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range page.Rows {
			got = append(got, r.ID)
		}
		if !slices.Equal(got, tt.want) || page.Total != len(tt.want) {
			t.Errorf("prefix %v: %v (total %d), want %v", tt.prefix, got, page.Total, tt.want)
		}
	}
}

// BenchmarkGoViewPage reads the first page of 100 rows of a 10k-row prefix
// (the count of every row included).
func BenchmarkGoViewPage(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	db := s.DB("io.cozy.files")
	if err := db.(store.GoViews).RegisterView(ctx, refsView); err != nil {
		b.Fatal(err)
	}
	var docs []json.RawMessage
	for i := 0; i < 10000; i++ {
		docs = append(docs, json.RawMessage(fmt.Sprintf(`{"_id":"f%05d","refs":[{"type":"io.cozy.albums","id":"a1"}]}`, i)))
	}
	if _, err := db.BulkDocs(ctx, docs, true); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		page, err := db.(store.GoViews).QueryGoView(ctx, "refs", store.ViewQuery{Prefix: []any{"io.cozy.albums", "a1"}, Limit: 100})
		if err != nil || len(page.Rows) != 100 || page.Total != 10000 {
			b.Fatalf("%d rows, total %d, %v", len(page.Rows), page.Total, err)
		}
	}
}
