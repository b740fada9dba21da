package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
)

// Replaced revisions keep their bodies until compaction, at most
// KeptRevisions of them per document.
func TestKeptRevisionsBounded(t *testing.T) {
	ctx := context.Background()
	db := openTest(t).DB("io.cozy.notes")
	var revs []string
	rev := ""
	for i := 0; i < KeptRevisions+5; i++ {
		rev = put(t, db, "d", rev, `{"i":`+strconv.Itoa(i)+`}`)
		revs = append(revs, rev)
	}
	for i, r := range revs {
		_, err := db.Get(ctx, "d", store.GetOptions{Rev: r})
		kept := i >= len(revs)-1-KeptRevisions
		if kept != (err == nil) {
			t.Errorf("revision %d (%s): kept %v, err %v", i, r, kept, err)
		}
	}
}

func TestCompactAndRevsLimit(t *testing.T) {
	ctx := context.Background()
	db := openTest(t).DB("io.cozy.c")
	if err := db.Compact(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("compact of a missing database: %v", err)
	}
	// More documents than one compaction transaction holds.
	var first []string
	for i := 0; i < compactChunk+10; i++ {
		id := "d" + strconv.Itoa(i)
		rev := put(t, db, id, "", `{}`)
		first = append(first, rev)
		put(t, db, id, rev, `{"v":2}`)
	}
	if err := db.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	for i, rev := range first {
		if _, err := db.Get(ctx, "d"+strconv.Itoa(i), store.GetOptions{Rev: rev}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("d%d %s after compaction: %v", i, rev, err)
		}
	}
	if n, err := db.RevsLimit(ctx); err != nil || n != 1000 {
		t.Fatalf("default revs limit: %d %v", n, err)
	}
	if err := db.SetRevsLimit(ctx, 0); !errors.Is(err, store.ErrBadRequest) {
		t.Fatalf("limit 0: %v", err)
	}
	if err := db.SetRevsLimit(ctx, 3); err != nil {
		t.Fatal(err)
	}
	rev := ""
	for i := 0; i < 6; i++ {
		rev = put(t, db, "s", rev, `{"i":`+strconv.Itoa(i)+`}`)
	}
	doc, _ := db.Get(ctx, "s", store.GetOptions{Revs: true})
	if !json3(doc.Body) {
		t.Fatalf("stemmed to 3: %s", doc.Body)
	}
}

// json3 reports whether a document's _revisions lists 3 ids.
func json3(body []byte) bool {
	p := store.Member(body, "_revisions")
	var r struct{ IDs []string }
	return p != nil && json.Unmarshal(p, &r) == nil && len(r.IDs) == 3
}
