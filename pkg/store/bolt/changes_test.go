package bolt

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/store"
)

func TestChanges(t *testing.T) {
	ctx := context.Background()
	db := openTest(t).DB("io.cozy.notes")
	ra := put(t, db, "a", "", `{"k":1}`)                 // seq 1
	put(t, db, "b", "", `{"k":2}`)                       // seq 2
	put(t, db, "a", ra, `{"k":3}`)                       // seq 3, a's seq 1 is gone
	rc := put(t, db, "c", "", `{}`)                      // seq 4
	db.Delete(ctx, "c", rc)                              // seq 5
	put(t, db, "_local/x", "", `{}`)                     // no seq
	replicate(t, db, `{"_id":"b","_rev":"1-zzz","v":1}`) // seq 6, conflict on b

	seqs := func(r store.ChangesResult) (out []string) {
		for _, c := range r.Results {
			out = append(out, c.ID)
		}
		return out
	}
	tests := []struct {
		name    string
		opts    store.ChangesOptions
		ids     []string
		lastSeq uint64
		pending int64
	}{
		{"all", store.ChangesOptions{}, []string{"a", "c", "b"}, 6, 0},
		{"since", store.ChangesOptions{Since: 4}, []string{"c", "b"}, 6, 0},
		{"limit", store.ChangesOptions{Limit: 1}, []string{"a"}, 3, 2},
		{"descending", store.ChangesOptions{Descending: true, Limit: 2}, []string{"b", "c"}, 5, 0},
		{"doc ids", store.ChangesOptions{DocIDs: []string{"c"}}, []string{"c"}, 6, 0},
		{"selector", store.ChangesOptions{Match: func(m map[string]any) bool { return m["k"] != nil }}, []string{"a"}, 6, 0},
		{"past the end", store.ChangesOptions{Since: 10}, nil, 10, 0},
	}
	for _, tt := range tests {
		res, err := db.Changes(ctx, tt.opts)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := seqs(res); !reflect.DeepEqual(got, tt.ids) || res.LastSeq != tt.lastSeq || res.Pending != tt.pending {
			t.Errorf("%s: ids %v last %d pending %d", tt.name, got, res.LastSeq, res.Pending)
		}
	}
	res, _ := db.Changes(ctx, store.ChangesOptions{AllDocs: true, IncludeDocs: true, Since: 4})
	if !res.Results[0].Deleted || len(res.Results[1].Revs) != 2 || res.Results[1].Doc == nil {
		t.Errorf("style=all_docs: %+v", res.Results)
	}
}

func TestWaitChanges(t *testing.T) {
	ctx := context.Background()
	db := openTest(t).DB("io.cozy.notes")
	put(t, db, "a", "", `{}`)
	if err := db.WaitChanges(ctx, 0); err != nil {
		t.Fatalf("already past: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- db.WaitChanges(ctx, 1) }()
	put(t, db, "b", "", `{}`)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := db.WaitChanges(cctx, 5); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled wait: %v", err)
	}
}
