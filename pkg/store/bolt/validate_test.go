package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/cozypi/cozy/pkg/store"
)

// countingQS is the real query-server pool, counting Validate calls.
type countingQS struct {
	store.QueryServer
	calls atomic.Int64
}

func (c *countingQS) Validate(ctx context.Context, ddoc store.DesignRef, newDoc, oldDoc, userCtx, secObj json.RawMessage) error {
	c.calls.Add(1)
	return c.QueryServer.Validate(ctx, ddoc, newDoc, oldDoc, userCtx, secObj)
}

// TestValidateCost: without a validate_doc_update function, writes make
// no query-server call; with one, each document write makes one (not
// _local ones); the set follows design document writes, in this doctype
// only, and a destroyed database.
func TestValidateCost(t *testing.T) {
	s := openTest(t)
	qs := &countingQS{QueryServer: testPool(t)}
	s.SetQueryServer(qs)
	db := s.DB("io.cozy.t").(*DB)
	other := s.DB("io.cozy.other").(*DB)
	ctx := context.Background()
	put(t, db, "_design/views", "", `{"views":{"v":{"map":"function(d){ emit(1) }"}}}`)
	for i := range 50 {
		put(t, db, "a"+string(rune('a'+i%26))+string(rune('a'+i/26)), "", `{"n":1}`)
	}
	if _, err := db.BulkDocs(ctx, []json.RawMessage{json.RawMessage(`{"x":1}`), json.RawMessage(`{"x":2}`)}, true); err != nil {
		t.Fatal(err)
	}
	if n := qs.calls.Load(); n != 0 {
		t.Fatalf("%d query-server calls without a validate_doc_update function", n)
	}
	put(t, other, "_design/vdu", "", `{"validate_doc_update":"function(n){ if (n.no) throw({forbidden: 'no'}) }"}`)
	put(t, db, "b1", "", `{"no":true}`) // another doctype's function does not apply
	if n := qs.calls.Load(); n != 0 {
		t.Fatalf("%d query-server calls for another doctype's function", n)
	}
	put(t, other, "o1", "", `{"n":1}`)
	if _, err := other.Put(ctx, store.Doc{ID: "o2", Body: json.RawMessage(`{"no":true}`)}, store.PutOptions{}); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("refused write: %v", err)
	}
	if _, err := other.PutLocal(ctx, "l1", json.RawMessage(`{"no":true}`)); err != nil {
		t.Fatalf("_local write: %v", err)
	}
	if n := qs.calls.Load(); n != 2 {
		t.Fatalf("%d query-server calls for 2 document writes", n)
	}
	if err := other.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
	put(t, other, "o2", "", `{"no":true}`) // the function went with its database
	if n := qs.calls.Load(); n != 2 {
		t.Fatalf("%d query-server calls after the database was destroyed", n)
	}
}

// BenchmarkPutValidation is the cost of validation on a write to a doctype
// without a validate_doc_update function (with a query server set: the
// cached lookup) against none set, and with one function.
func BenchmarkPutValidation(b *testing.B) {
	for _, c := range []struct {
		name string
		qs   bool
		vdu  bool
	}{{"none", false, false}, {"qs-no-function", true, false}, {"one-function", true, true}} {
		b.Run(c.name, func(b *testing.B) {
			s := openTest(b)
			if c.qs {
				s.SetQueryServer(testPool(b))
			}
			db := s.DB("io.cozy.t")
			if c.vdu {
				put(b, db, "_design/vdu", "", `{"validate_doc_update":"function(n){ if (n.no) throw({forbidden: 'no'}) }"}`)
			}
			b.ResetTimer()
			for i := range b.N {
				put(b, db, "d"+strconv.Itoa(i), "", `{"n":1}`)
			}
		})
	}
}
