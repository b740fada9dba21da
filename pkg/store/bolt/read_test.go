package bolt

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
)

func conflictedDB(t *testing.T) store.DB {
	t.Helper()
	db := openTest(t).DB("io.cozy.notes")
	replicate(t, db, `{"_id":"d","_rev":"2-b","_revisions":{"start":2,"ids":["b","a"]},"v":"b"}`)
	replicate(t, db, `{"_id":"d","_rev":"2-c","_revisions":{"start":2,"ids":["c","a"]},"v":"c"}`)
	replicate(t, db, `{"_id":"d","_rev":"3-e","_revisions":{"start":3,"ids":["e","c","a"]},"_deleted":true}`)
	return db
}

func TestOpenRevs(t *testing.T) {
	ctx := context.Background()
	db := conflictedDB(t)
	tests := []struct {
		name   string
		revs   []string
		latest bool
		want   []string // rev, or "missing:rev"
	}{
		{"all leaves", nil, false, []string{"2-b", "3-e"}},
		{"specific", []string{"2-b", "9-z"}, false, []string{"2-b", "missing:9-z"}},
		{"non-leaf without latest", []string{"1-a"}, false, []string{"missing:1-a"}},
		{"latest", []string{"1-a"}, true, []string{"2-b", "3-e"}},
	}
	for _, tt := range tests {
		res, err := db.OpenRevs(ctx, "d", tt.revs, tt.latest, true)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for _, r := range res {
			if r.OK != nil {
				got = append(got, r.OK.Rev)
			} else {
				got = append(got, "missing:"+r.Missing)
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	if _, err := db.OpenRevs(ctx, "nope", nil, false, false); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing doc: %v", err)
	}
	if _, err := db.OpenRevs(ctx, "d", []string{"bad"}, false, false); !errors.Is(err, store.ErrBadRequest) {
		t.Errorf("bad rev: %v", err)
	}
}

func TestBulkGetAndRevsDiff(t *testing.T) {
	ctx := context.Background()
	db := conflictedDB(t)
	res, err := db.BulkGet(ctx, []store.BulkGetRequest{{ID: "d"}, {ID: "d", Rev: "2-c"}, {ID: "nope"}, {ID: "d", Rev: "x"}}, true, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(res[0].Docs) != 1 || res[0].Docs[0].OK.Rev != "2-b" {
		t.Errorf("winner: %+v", res[0])
	}
	if len(res[1].Docs) != 1 || res[1].Docs[0].OK.Rev != "3-e" || !res[1].Docs[0].OK.Deleted {
		t.Errorf("latest of 2-c: %+v", res[1].Docs)
	}
	if !errors.Is(res[2].Err, store.ErrNotFound) || !errors.Is(res[3].Err, store.ErrBadRequest) {
		t.Errorf("errors: %v %v", res[2].Err, res[3].Err)
	}
	diff, err := db.RevsDiff(ctx, map[string][]string{"d": {"2-b", "4-x"}, "new": {"1-q"}, "same": {}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]store.RevsDiffResult{
		"d":   {Missing: []string{"4-x"}, PossibleAncestors: []string{"2-b", "3-e"}},
		"new": {Missing: []string{"1-q"}},
	}
	if !reflect.DeepEqual(diff, want) {
		t.Errorf("RevsDiff = %+v", diff)
	}
	if _, err := db.RevsDiff(ctx, map[string][]string{"d": {"nope"}}); !errors.Is(err, store.ErrBadRequest) {
		t.Errorf("bad rev: %v", err)
	}
}
