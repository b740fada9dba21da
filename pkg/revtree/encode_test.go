package revtree

import "testing"

func TestEncodingRoundTrip(t *testing.T) {
	tr := New()
	tr.Merge(Path{Start: 3, IDs: []string{"c", "b", "a"}})
	tr.Merge(Path{Start: 7, IDs: []string{"g", "f"}, Deleted: true})
	b, err := tr.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got, n, err := Decode(append(b, 0xff))
	if err != nil || n != len(b) {
		t.Fatalf("Decode: %v, n=%d/%d", err, n, len(b))
	}
	if !got.Equal(tr) {
		t.Error("round trip changed the tree")
	}
	for i := range b {
		// Truncations never panic.
		var x Tree
		_ = x.UnmarshalBinary(b[:i])
	}
}

func FuzzDecode(f *testing.F) {
	tr := New()
	tr.Merge(Path{Start: 3, IDs: []string{"c", "b", "a"}})
	b, _ := tr.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, _, err := Decode(data)
		if err != nil {
			return
		}
		again, err := tr.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded tree does not re-encode: %v", err)
		}
		tr2, _, err := Decode(again)
		if err != nil || !tr2.Equal(tr) {
			t.Fatalf("re-encoding is not stable: %v", err)
		}
	})
}
