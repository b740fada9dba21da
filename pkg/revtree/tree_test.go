package revtree

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

func mustRev(t testing.TB, s string) Rev {
	t.Helper()
	r, err := ParseRev(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func revStrings(rs []Rev) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.String())
	}
	return out
}

func TestMergeWinnerConflicts(t *testing.T) {
	tests := []struct {
		name             string
		paths            []Path
		winner           string
		winnerDeleted    bool
		conflicts        []string
		deletedConflicts []string
		added            []bool
	}{
		{
			name:   "linear",
			paths:  []Path{{Start: 1, IDs: []string{"a"}}, {Start: 2, IDs: []string{"b", "a"}}},
			winner: "2-b", added: []bool{true, true},
		},
		{
			name:   "same path twice",
			paths:  []Path{{Start: 2, IDs: []string{"b", "a"}}, {Start: 2, IDs: []string{"b", "a"}}},
			winner: "2-b", added: []bool{true, false},
		},
		{
			name:      "conflict, higher hash wins",
			paths:     []Path{{Start: 2, IDs: []string{"b", "a"}}, {Start: 2, IDs: []string{"c", "a"}}},
			winner:    "2-c",
			conflicts: []string{"2-b"}, added: []bool{true, true},
		},
		{
			name: "quirks doc example: longer branch wins",
			paths: []Path{
				{Start: 2, IDs: []string{"def", "abc"}},
				{Start: 3, IDs: []string{"ghi", "xyz", "abc"}},
			},
			winner: "3-ghi", conflicts: []string{"2-def"}, added: []bool{true, true},
		},
		{
			name: "deleted leaf loses to shorter live one",
			paths: []Path{
				{Start: 2, IDs: []string{"b", "a"}},
				{Start: 3, IDs: []string{"z", "c", "a"}, Deleted: true},
			},
			winner: "2-b", deletedConflicts: []string{"3-z"}, added: []bool{true, true},
		},
		{
			name: "all deleted",
			paths: []Path{
				{Start: 2, IDs: []string{"b", "a"}, Deleted: true},
				{Start: 2, IDs: []string{"c", "a"}, Deleted: true},
			},
			winner: "2-c", winnerDeleted: true, deletedConflicts: []string{"2-b"}, added: []bool{true, true},
		},
		{
			name: "stemmed path attaches to known revision",
			paths: []Path{
				{Start: 3, IDs: []string{"c", "b", "a"}},
				{Start: 5, IDs: []string{"e", "d", "c"}},
			},
			winner: "5-e", added: []bool{true, true},
		},
		{
			name: "child of a deleted leaf resurrects it",
			paths: []Path{
				{Start: 2, IDs: []string{"b", "a"}, Deleted: true},
				{Start: 3, IDs: []string{"c", "b"}},
			},
			winner: "3-c", added: []bool{true, true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := New()
			for i, p := range tt.paths {
				added, err := tr.Merge(p)
				if err != nil {
					t.Fatal(err)
				}
				if added != tt.added[i] {
					t.Errorf("merge %d added = %v", i, added)
				}
			}
			w, ok := tr.Winner()
			if !ok || w.Rev.String() != tt.winner || w.Deleted != tt.winnerDeleted {
				t.Errorf("winner = %v %v", w, ok)
			}
			if got := revStrings(tr.Conflicts()); !reflect.DeepEqual(got, tt.conflicts) {
				t.Errorf("conflicts = %v, want %v", got, tt.conflicts)
			}
			if got := revStrings(tr.DeletedConflicts()); !reflect.DeepEqual(got, tt.deletedConflicts) {
				t.Errorf("deleted conflicts = %v, want %v", got, tt.deletedConflicts)
			}
		})
	}
}

func TestMergeRejectsBadPaths(t *testing.T) {
	for _, p := range []Path{
		{},
		{Start: 1, IDs: []string{"b", "a"}},
		{Start: 2, IDs: []string{"b", ""}},
		{Start: 2, IDs: []string{"b", "a-b"}},
	} {
		tr := New()
		if _, err := tr.Merge(p); err == nil {
			t.Errorf("Merge(%+v) accepted", p)
		}
		if tr.Len() != 0 {
			t.Errorf("Merge(%+v) changed the tree", p)
		}
	}
}

func TestAncestryRevsInfoLatest(t *testing.T) {
	tr := New()
	tr.Merge(Path{Start: 3, IDs: []string{"c", "b", "a"}})
	tr.Merge(Path{Start: 3, IDs: []string{"d", "b", "a"}, Deleted: true})
	if got := tr.Ancestry(mustRev(t, "3-c")); got.Start != 3 || !reflect.DeepEqual(got.IDs, []string{"c", "b", "a"}) {
		t.Errorf("Ancestry = %+v", got)
	}
	if got := tr.Ancestry(mustRev(t, "9-z")); len(got.IDs) != 0 {
		t.Errorf("Ancestry of unknown = %+v", got)
	}
	info := tr.RevsInfo(mustRev(t, "3-c"), func(r Rev) bool { return r.Pos == 3 })
	want := []RevInfo{{"3-c", "available"}, {"2-b", "missing"}, {"1-a", "missing"}}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("RevsInfo = %v", info)
	}
	if info := tr.RevsInfo(mustRev(t, "3-d"), nil); info[0].Status != StatusDeleted {
		t.Errorf("RevsInfo of deleted = %v", info)
	}
	var latest []string
	for _, l := range tr.LeavesFrom(mustRev(t, "2-b")) {
		latest = append(latest, l.Rev.String())
	}
	if !reflect.DeepEqual(latest, []string{"3-c", "3-d"}) {
		t.Errorf("LeavesFrom = %v", latest)
	}
	if !tr.IsLeaf(mustRev(t, "3-d")) || tr.IsLeaf(mustRev(t, "2-b")) {
		t.Error("IsLeaf wrong")
	}
}

func TestStem(t *testing.T) {
	tr := New()
	tr.Merge(Path{Start: 5, IDs: []string{"e", "d", "c", "b", "a"}})
	tr.Merge(Path{Start: 3, IDs: []string{"x", "b", "a"}})
	dropped := tr.Stem(2)
	if got := revStrings(dropped); !reflect.DeepEqual(got, []string{"1-a", "3-c"}) {
		t.Errorf("dropped = %v", got)
	}
	if got := tr.Ancestry(mustRev(t, "5-e")); !reflect.DeepEqual(got.IDs, []string{"e", "d"}) {
		t.Errorf("stemmed ancestry = %v", got.IDs)
	}
	if got := tr.Ancestry(mustRev(t, "3-x")); !reflect.DeepEqual(got.IDs, []string{"x", "b"}) {
		t.Errorf("stemmed ancestry = %v", got.IDs)
	}
	// Merging the stemmed history back re-attaches it.
	tr.Merge(Path{Start: 5, IDs: []string{"e", "d", "c"}})
	if got := tr.Ancestry(mustRev(t, "5-e")); !reflect.DeepEqual(got.IDs, []string{"e", "d", "c"}) {
		t.Errorf("re-merged ancestry = %v", got.IDs)
	}
	if w, _ := tr.Winner(); w.Rev.String() != "5-e" {
		t.Errorf("winner after stem = %v", w)
	}
}

func TestRevsDiff(t *testing.T) {
	tr := New()
	tr.Merge(Path{Start: 2, IDs: []string{"b", "a"}})
	tr.Merge(Path{Start: 4, IDs: []string{"d", "c", "a"}})
	missing, anc := tr.RevsDiff([]Rev{mustRev(t, "2-b"), mustRev(t, "3-z"), mustRev(t, "3-z"), mustRev(t, "5-q")})
	if got := revStrings(missing); !reflect.DeepEqual(got, []string{"3-z", "5-q"}) {
		t.Errorf("missing = %v", got)
	}
	if got := revStrings(anc); !reflect.DeepEqual(got, []string{"4-d", "2-b"}) {
		t.Errorf("possible ancestors = %v", got)
	}
	if m, a := tr.RevsDiff([]Rev{mustRev(t, "1-a")}); m != nil || a != nil {
		t.Errorf("nothing missing: %v %v", m, a)
	}
}

// randomHistories builds a random revision forest: a random tree of edits,
// and returns the root-to-leaf paths of some of its nodes, some deleted, some
// stemmed (missing their oldest revisions).
func randomHistories(rng *rand.Rand) []Path {
	type n struct {
		rev    Rev
		parent int
	}
	nodes := []n{{Rev{1, "r0"}, -1}}
	count := 2 + rng.IntN(30)
	for i := 1; i < count; i++ {
		p := rng.IntN(len(nodes))
		nodes = append(nodes, n{Rev{nodes[p].rev.Pos + 1, randHash(rng)}, p})
	}
	var paths []Path
	for k := 0; k < 1+rng.IntN(8); k++ {
		i := rng.IntN(len(nodes))
		var p Path
		p.Start = nodes[i].rev.Pos
		for j := i; j >= 0; j = nodes[j].parent {
			p.IDs = append(p.IDs, nodes[j].rev.Hash)
		}
		if len(p.IDs) > 1 && rng.IntN(4) == 0 {
			p.IDs = p.IDs[:1+rng.IntN(len(p.IDs)-1)] // stemmed history
		}
		p.Deleted = rng.IntN(5) == 0
		paths = append(paths, p)
	}
	return paths
}

func randHash(rng *rand.Rand) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 1+rng.IntN(4))
	for i := range b {
		b[i] = hex[rng.IntN(16)]
	}
	return string(b)
}

func TestMergeOrderDoesNotMatter(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 2000; iter++ {
		paths := randomHistories(rng)
		ref := New()
		for _, p := range paths {
			if _, err := ref.Merge(p); err != nil {
				t.Fatal(err)
			}
		}
		refBytes, _ := ref.MarshalBinary()
		refWinner, _ := ref.Winner()
		for perm := 0; perm < 4; perm++ {
			shuffled := append([]Path(nil), paths...)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			// Merge in two halves into separate trees, then merge one into the other
			// (as two replicas syncing would).
			a, b := New(), New()
			for i, p := range shuffled {
				if i%2 == 0 {
					a.Merge(p)
				} else {
					b.Merge(p)
				}
			}
			for _, l := range b.Leaves() {
				a.Merge(b.Ancestry(l.Rev))
			}
			for _, r := range b.Revisions() { // carry non-leaf roots' edges too
				a.Merge(b.Ancestry(r))
			}
			got, _ := a.MarshalBinary()
			w, _ := a.Winner()
			if string(got) != string(refBytes) || w != refWinner {
				t.Fatalf("iteration %d: order changed the result\npaths %+v\nwinner %v vs %v", iter, shuffled, w, refWinner)
			}
		}
	}
}

func BenchmarkMergeLongHistory(b *testing.B) {
	ids := make([]string, DefaultRevsLimit)
	for i := range ids {
		ids[i] = NewRevHash(false, Rev{}, []byte{byte(i), byte(i >> 8)})
	}
	for b.Loop() {
		tr := New()
		tr.Merge(Path{Start: len(ids), IDs: ids})
		tr.Stem(DefaultRevsLimit)
		tr.Winner()
	}
}

func TestPurge(t *testing.T) {
	tr := New()
	for _, p := range []Path{
		{Start: 3, IDs: []string{"c", "b", "a"}},
		{Start: 3, IDs: []string{"x", "y", "a"}},
	} {
		if _, err := tr.Merge(p); err != nil {
			t.Fatal(err)
		}
	}
	purged, removed := tr.Purge([]Rev{{Pos: 3, Hash: "x"}, {Pos: 2, Hash: "b"}, {Pos: 9, Hash: "z"}})
	if len(purged) != 1 || purged[0] != (Rev{Pos: 3, Hash: "x"}) || len(removed) != 2 {
		t.Fatalf("purged %v removed %v", purged, removed)
	}
	if tr.Len() != 3 || !tr.Has(Rev{Pos: 1, Hash: "a"}) || tr.Has(Rev{Pos: 2, Hash: "y"}) {
		t.Fatalf("tree after purge: %v", tr.Revisions())
	}
	tr.Purge([]Rev{{Pos: 3, Hash: "c"}})
	if tr.Len() != 0 {
		t.Fatalf("tree after purging its last leaf: %v", tr.Revisions())
	}
}
