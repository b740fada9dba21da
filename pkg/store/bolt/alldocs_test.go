package bolt

import (
	"context"
	"reflect"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
)

func strp(s string) *string { return &s }

func TestAllDocs(t *testing.T) {
	ctx := context.Background()
	db := openTest(t).DB("io.cozy.notes")
	for _, id := range []string{"a", "b", "c", "d", "_design/x", "B"} {
		put(t, db, id, "", `{"id":"`+id+`"}`)
	}
	gone := put(t, db, "e", "", `{}`)
	if _, err := db.Delete(ctx, "e", gone); err != nil {
		t.Fatal(err)
	}
	put(t, db, "_local/l", "", `{}`)
	tests := []struct {
		name  string
		opts  store.AllDocsOptions
		ids   []string
		total int64
	}{
		{"all, raw order", store.AllDocsOptions{InclusiveEnd: true}, []string{"B", "_design/x", "a", "b", "c", "d"}, 6},
		{"range", store.AllDocsOptions{StartKey: strp("a"), EndKey: strp("c"), InclusiveEnd: true}, []string{"a", "b", "c"}, 6},
		{"range exclusive", store.AllDocsOptions{StartKey: strp("a"), EndKey: strp("c")}, []string{"a", "b"}, 6},
		{"descending", store.AllDocsOptions{Descending: true, StartKey: strp("c"), EndKey: strp("a"), InclusiveEnd: true}, []string{"c", "b", "a"}, 6},
		{"descending from past the end", store.AllDocsOptions{Descending: true, StartKey: strp("z"), Limit: 2, InclusiveEnd: true}, []string{"d", "c"}, 6},
		{"skip limit", store.AllDocsOptions{Skip: 2, Limit: 2, InclusiveEnd: true}, []string{"a", "b"}, 6},
		{"no design", store.AllDocsOptions{ExcludeDesignDocs: true, InclusiveEnd: true}, []string{"B", "a", "b", "c", "d"}, 5},
		{"only design", store.AllDocsOptions{OnlyDesignDocs: true, InclusiveEnd: true}, []string{"_design/x"}, 1},
		{"keys", store.AllDocsOptions{Keys: []string{"c", "e", "zz", "a"}}, []string{"c", "e", "zz", "a"}, 6},
	}
	for _, tt := range tests {
		res, err := db.AllDocs(ctx, tt.opts)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var ids []string
		for _, r := range res.Rows {
			ids = append(ids, r.ID)
		}
		if !reflect.DeepEqual(ids, tt.ids) || res.TotalRows != tt.total {
			t.Errorf("%s: ids %v total %d; want %v %d", tt.name, ids, res.TotalRows, tt.ids, tt.total)
		}
	}
	res, _ := db.AllDocs(ctx, store.AllDocsOptions{Keys: []string{"a", "e", "zz"}, IncludeDocs: true})
	if string(res.Rows[0].Doc) == "" || !res.Rows[1].Deleted || res.Rows[1].Doc != nil || res.Rows[2].Err == nil {
		t.Errorf("keys rows: %+v", res.Rows)
	}
}
