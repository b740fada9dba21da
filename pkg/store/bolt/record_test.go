package bolt

import (
	"testing"

	"github.com/cozypi/cozy/pkg/revtree"
)

func TestRecordRoundTripAndCorruption(t *testing.T) {
	tr := revtree.New()
	tr.Merge(revtree.Path{Start: 2, IDs: []string{"b", "a"}})
	tr.Merge(revtree.Path{Start: 3, IDs: []string{"d", "c", "a"}, Deleted: true})
	rec := &record{seq: 42, tree: tr, bodies: map[revtree.Rev][]byte{
		{Pos: 2, Hash: "b"}: []byte(`{"x":1}`), {Pos: 3, Hash: "d"}: []byte(`{}`),
	}}
	enc, err := rec.encode()
	if err != nil {
		t.Fatal(err)
	}
	seq, rev, deleted, _, err := peekWinner(enc)
	if err != nil || seq != 42 || rev != "2-b" || deleted {
		t.Errorf("peekWinner = %d %s %v %v", seq, rev, deleted, err)
	}
	got, err := decodeRecord(enc)
	if err != nil || got.seq != 42 || !got.tree.Equal(tr) || string(got.bodies[revtree.Rev{Pos: 2, Hash: "b"}]) != `{"x":1}` {
		t.Fatalf("decode = %+v, %v", got, err)
	}
	for i := 0; i < len(enc); i++ { // every truncation fails cleanly
		if _, err := decodeRecord(enc[:i]); err == nil {
			t.Errorf("truncated record of %d bytes decoded", i)
		}
	}
}
