package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/mango"
	"github.com/cozypi/cozy/pkg/store"
)

func mustQuery(t testing.TB, q string) mango.Query {
	t.Helper()
	mq, err := mango.ParseQuery(json.RawMessage(q))
	if err != nil {
		t.Fatalf("ParseQuery(%s): %v", q, err)
	}
	return mq
}

func findIDs(t testing.TB, db store.DB, q string) ([]string, store.FindResult) {
	t.Helper()
	res, err := db.Find(context.Background(), mustQuery(t, q))
	if err != nil {
		t.Fatalf("Find(%s): %v", q, err)
	}
	var ids []string
	for _, d := range res.Docs {
		var m struct {
			ID string `json:"_id"`
		}
		json.Unmarshal(d, &m)
		ids = append(ids, m.ID)
	}
	return ids, res
}

func TestIndexesAndFind(t *testing.T) {
	ctx := context.Background()
	db := openTest(t).DB("io.cozy.events")
	docs := map[string]string{
		"e1": `{"calendar":"perso","date":"20161003"}`,
		"e2": `{"calendar":"perso","date":"20161001"}`,
		"e3": `{"calendar":"work","date":"20161002"}`,
		"e4": `{"calendar":"perso","date":"20161102"}`,
		"e5": `{"calendar":"perso"}`,
		"e6": `{"calendar":"Perso","date":"20161005","n":10}`,
	}
	for id, body := range docs {
		put(t, db, id, "", body)
	}
	// A query before any index: refused as upstream does.
	if _, err := db.Find(ctx, mustQuery(t, `{"selector":{"calendar":"perso"}}`)); !errors.Is(err, store.ErrNoUsableIndex) {
		t.Fatalf("no index: %v", err)
	}
	res, err := db.CreateIndex(ctx, json.RawMessage(`{"index":{"fields":["calendar","date"]}}`))
	if err != nil || res.Result != "created" || !strings.HasPrefix(res.ID, "_design/") {
		t.Fatalf("CreateIndex = %+v, %v", res, err)
	}
	again, err := db.CreateIndex(ctx, json.RawMessage(`{"index":{"fields":["calendar","date"]}}`))
	if err != nil || again.Result != "exists" || again.ID != res.ID {
		t.Errorf("CreateIndex again = %+v, %v", again, err)
	}
	if _, err := db.CreateIndex(ctx, json.RawMessage(`{"index":{}}`)); !errors.Is(err, store.ErrBadRequest) {
		t.Errorf("bad index: %v", err)
	}
	// Written after the index: maintained in the write's transaction.
	put(t, db, "e7", "", `{"calendar":"perso","date":"20161004"}`)
	r8 := put(t, db, "e8", "", `{"calendar":"perso","date":"20161006"}`)
	db.Delete(ctx, "e8", r8)
	e1, _ := db.Get(ctx, "e1", store.GetOptions{})
	put(t, db, "e1", e1.Rev, `{"calendar":"perso","date":"20161009"}`)

	tests := []struct {
		q    string
		want []string
	}{
		{`{"selector":{"calendar":"perso","date":{"$gt":"20161001","$lt":"20161030"}}}`, []string{"e7", "e1"}},
		{`{"selector":{"calendar":"perso","date":{"$gte":"20161001"}},"sort":[{"calendar":"desc"},{"date":"desc"}]}`, []string{"e4", "e1", "e7", "e2"}},
		{`{"selector":{"calendar":"perso","date":{"$exists":true}},"limit":2}`, []string{"e2", "e7"}},
		{`{"selector":{"calendar":"perso","date":{"$exists":true}},"skip":1,"limit":2}`, []string{"e7", "e1"}},
		{`{"selector":{"calendar":{"$gt":null},"date":{"$exists":true}},"use_index":"` + res.ID + `"}`, []string{"e2", "e7", "e1", "e4", "e6", "e3"}},
	}
	for _, tt := range tests {
		if got, _ := findIDs(t, db, tt.q); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s\n got %v\nwant %v", tt.q, got, tt.want)
		}
	}
	// Bookmark pagination walks all results exactly once.
	q := `{"selector":{"calendar":"perso","date":{"$exists":true}},"limit":2%s}`
	var all []string
	bookmark := ""
	for i := 0; i < 5; i++ {
		extra := ""
		if bookmark != "" {
			extra = `,"bookmark":"` + bookmark + `"`
		}
		ids, r := findIDs(t, db, strings.Replace(q, "%s", extra, 1))
		if len(ids) == 0 {
			break
		}
		all = append(all, ids...)
		bookmark = r.Bookmark
	}
	if want := []string{"e2", "e7", "e1", "e4"}; !reflect.DeepEqual(all, want) {
		t.Errorf("paginated = %v", all)
	}
	// Projection and stats.
	fr, err := db.Find(ctx, mustQuery(t, `{"selector":{"calendar":"work","date":{"$exists":true}},"fields":["date"],"execution_stats":true}`))
	if err != nil || len(fr.Docs) != 1 || string(fr.Docs[0]) != `{"date":"20161002"}` || fr.ExecutionStats.ResultsReturned != 1 {
		t.Errorf("projection = %s %+v %v", fr.Docs, fr.ExecutionStats, err)
	}

	list, err := db.Indexes(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "_all_docs" || list[1].DDoc != res.ID {
		t.Fatalf("Indexes = %+v, %v", list, err)
	}
	if string(list[1].Def) != `{"fields":[{"calendar":"asc"},{"date":"asc"}]}` {
		t.Errorf("def = %s", list[1].Def)
	}
	// Design docs are exposed like any doc; copy shares the definition.
	cp, err := db.CopyDesign(ctx, res.ID, "", "_design/copy")
	if err != nil {
		t.Fatal(err)
	}
	if ids, _ := findIDs(t, db, `{"selector":{"calendar":"work","date":{"$exists":true}},"use_index":"_design/copy"}`); !reflect.DeepEqual(ids, []string{"e3"}) {
		t.Errorf("via copy: %v", ids)
	}
	dd, _ := db.AllDocs(ctx, store.AllDocsOptions{OnlyDesignDocs: true, InclusiveEnd: true})
	if len(dd.Rows) != 2 {
		t.Errorf("design docs = %+v", dd.Rows)
	}
	if err := db.DeleteIndex(ctx, res.ID, res.Name); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteIndex(ctx, res.ID, res.Name); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete again: %v", err)
	}
	if _, err := db.Delete(ctx, cp.ID, cp.Rev); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Find(ctx, mustQuery(t, `{"selector":{"calendar":"perso","date":{"$exists":true}}}`)); !errors.Is(err, store.ErrNoUsableIndex) {
		t.Errorf("after deleting the indexes: %v", err)
	}
}

func TestPartialIndex(t *testing.T) {
	ctx := context.Background()
	db := openTest(t).DB("io.cozy.files")
	put(t, db, "f1", "", `{"type":"file","name":"b"}`)
	put(t, db, "d1", "", `{"type":"directory","name":"a"}`)
	res, err := db.CreateIndex(ctx, json.RawMessage(`{"index":{"fields":["name"],"partial_filter_selector":{"type":"file"}},"ddoc":"by-name","name":"files"}`))
	if err != nil || res.ID != "_design/by-name" || res.Name != "files" {
		t.Fatalf("CreateIndex = %+v, %v", res, err)
	}
	put(t, db, "f2", "", `{"type":"file","name":"a"}`)
	ids, _ := findIDs(t, db, `{"selector":{"name":{"$gt":null}},"use_index":["_design/by-name","files"]}`)
	if !reflect.DeepEqual(ids, []string{"f2", "f1"}) {
		t.Errorf("partial index = %v", ids)
	}
}

func TestHugeIndexKeyDoesNotFailWrite(t *testing.T) {
	ctx := context.Background()
	db := openTest(t).DB("io.cozy.notes")
	if _, err := db.CreateIndex(ctx, json.RawMessage(`{"index":{"fields":["title"]}}`)); err != nil {
		t.Fatal(err)
	}
	huge := strings.Repeat("x", 40000)
	put(t, db, "big", "", `{"title":"`+huge+`"}`)
	put(t, db, "small", "", `{"title":"a"}`)
	if ids, _ := findIDs(t, db, `{"selector":{"title":{"$gt":null}}}`); !reflect.DeepEqual(ids, []string{"small"}) {
		t.Errorf("got %v", ids)
	}
}
