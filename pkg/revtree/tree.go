package revtree

import (
	"errors"
	"fmt"
	"slices"
)

// DefaultRevsLimit is how many revisions of each branch CouchDB and PouchDB
// keep by default.
const DefaultRevsLimit = 1000

// Path is a linear history as found in a document's "_revisions" member:
// IDs[0] is the hash of the newest revision, at generation Start; IDs[i] is
// at generation Start-i. Deleted applies to the newest revision only.
type Path struct {
	Start   int      `json:"start"`
	IDs     []string `json:"ids"`
	Deleted bool     `json:"-"`
}

// Leaf returns the newest revision of the path.
func (p Path) Leaf() Rev {
	if len(p.IDs) == 0 {
		return Rev{}
	}
	return Rev{Pos: p.Start, Hash: p.IDs[0]}
}

// Validate checks that the path is non-empty, fits above generation 1 and
// holds only well-formed hashes.
func (p Path) Validate() error {
	if len(p.IDs) == 0 {
		return fmt.Errorf("%w: empty revision path", ErrInvalidRev)
	}
	if p.Start < len(p.IDs) {
		return fmt.Errorf("%w: revision path of %d ids cannot start at %d", ErrInvalidRev, len(p.IDs), p.Start)
	}
	for _, id := range p.IDs {
		if err := CheckHash(id); err != nil {
			return fmt.Errorf("%w: %q: %w", ErrInvalidRev, id, err)
		}
	}
	return nil
}

// Revs lists the path's revisions, newest first.
func (p Path) Revs() []Rev {
	out := make([]Rev, len(p.IDs))
	for i, id := range p.IDs {
		out[i] = Rev{Pos: p.Start - i, Hash: id}
	}
	return out
}

type node struct {
	parent  Rev // zero when unknown (a root, or stemmed)
	deleted bool
}

// Tree is a document's revision tree. The zero value is not usable; call New.
// A Tree is not safe for concurrent mutation.
type Tree struct {
	nodes map[Rev]node
}

// New returns an empty tree.
func New() *Tree { return &Tree{nodes: make(map[Rev]node)} }

// Len returns the number of revisions in the tree.
func (t *Tree) Len() int { return len(t.nodes) }

// Clone returns a deep copy of t.
func (t *Tree) Clone() *Tree {
	c := &Tree{nodes: make(map[Rev]node, len(t.nodes))}
	for k, v := range t.nodes {
		c.nodes[k] = v
	}
	return c
}

// Has reports whether r is in the tree.
func (t *Tree) Has(r Rev) bool { _, ok := t.nodes[r]; return ok }

// Deleted reports whether r is in the tree and marks a deletion.
func (t *Tree) Deleted(r Rev) bool { return t.nodes[r].deleted }

// Parent returns the parent of r, or the zero Rev when unknown.
func (t *Tree) Parent(r Rev) Rev { return t.nodes[r].parent }

// Merge adds the history p to the tree. It reports whether the newest
// revision of p was unknown before. Merge is commutative: any order of the
// same merges yields an equal tree.
func (t *Tree) Merge(p Path) (added bool, err error) {
	if err := p.Validate(); err != nil {
		return false, err
	}
	revs := p.Revs()
	_, known := t.nodes[revs[0]]
	for i, r := range revs {
		var parent Rev
		if i+1 < len(revs) {
			parent = revs[i+1]
		}
		n, ok := t.nodes[r]
		switch {
		case !ok:
			n.parent = parent
		case n.parent.IsZero():
			n.parent = parent
		case !parent.IsZero() && parent != n.parent && parent.Less(n.parent):
			n.parent = parent
		}
		if i == 0 && p.Deleted {
			n.deleted = true
		}
		t.nodes[r] = n
	}
	return !known, nil
}

// leafSet returns the set of revisions that are not the parent of any other.
func (t *Tree) isParent() map[Rev]bool {
	parents := make(map[Rev]bool, len(t.nodes))
	for _, n := range t.nodes {
		if !n.parent.IsZero() {
			parents[n.parent] = true
		}
	}
	return parents
}

// IsLeaf reports whether r is in the tree and has no child.
func (t *Tree) IsLeaf(r Rev) bool {
	if !t.Has(r) {
		return false
	}
	for _, n := range t.nodes {
		if n.parent == r {
			return false
		}
	}
	return true
}

// Leaf describes one leaf revision.
type Leaf struct {
	Rev     Rev
	Deleted bool
}

// winsOver is the deterministic winner order.
func winsOver(a, b Leaf) bool {
	if a.Deleted != b.Deleted {
		return !a.Deleted
	}
	if a.Rev.Pos != b.Rev.Pos {
		return a.Rev.Pos > b.Rev.Pos
	}
	return a.Rev.Hash > b.Rev.Hash
}

// Leaves returns every leaf, the winner first, then in decreasing winner order.
func (t *Tree) Leaves() []Leaf {
	parents := t.isParent()
	var out []Leaf
	for r, n := range t.nodes {
		if !parents[r] {
			out = append(out, Leaf{Rev: r, Deleted: n.deleted})
		}
	}
	slices.SortFunc(out, func(a, b Leaf) int {
		if winsOver(a, b) {
			return -1
		}
		if winsOver(b, a) {
			return 1
		}
		return 0
	})
	return out
}

// Winner returns the winning leaf. ok is false for an empty tree.
func (t *Tree) Winner() (w Leaf, ok bool) {
	leaves := t.Leaves()
	if len(leaves) == 0 {
		return Leaf{}, false
	}
	return leaves[0], true
}

// Conflicts returns the non-deleted leaves other than the winner, in
// decreasing order.
func (t *Tree) Conflicts() []Rev {
	return t.losers(false)
}

// DeletedConflicts returns the deleted leaves other than the winner, in
// decreasing order.
func (t *Tree) DeletedConflicts() []Rev {
	return t.losers(true)
}

func (t *Tree) losers(deleted bool) []Rev {
	leaves := t.Leaves()
	var out []Rev
	for i, l := range leaves {
		if i > 0 && l.Deleted == deleted {
			out = append(out, l.Rev)
		}
	}
	return out
}

// Ancestry returns the history of r ("_revisions"): r and its known
// ancestors, newest first. It returns a zero Path if r is not in the tree.
func (t *Tree) Ancestry(r Rev) Path {
	n, ok := t.nodes[r]
	if !ok {
		return Path{}
	}
	p := Path{Start: r.Pos, IDs: []string{r.Hash}, Deleted: n.deleted}
	for cur := n.parent; !cur.IsZero(); cur = t.nodes[cur].parent {
		p.IDs = append(p.IDs, cur.Hash)
	}
	return p
}

// Revision statuses reported by RevsInfo.
const (
	StatusAvailable = "available"
	StatusMissing   = "missing"
	StatusDeleted   = "deleted"
)

// RevInfo is one entry of "_revs_info".
type RevInfo struct {
	Rev    string `json:"rev"`
	Status string `json:"status"`
}

// RevsInfo lists r and its ancestors, newest first, with their status:
// "deleted" for deletions, "available" when available(rev) is true (the
// caller still has the body), "missing" otherwise.
func (t *Tree) RevsInfo(r Rev, available func(Rev) bool) []RevInfo {
	var out []RevInfo
	for _, rv := range t.Ancestry(r).Revs() {
		st := StatusMissing
		switch {
		case t.nodes[rv].deleted:
			st = StatusDeleted
		case available != nil && available(rv):
			st = StatusAvailable
		}
		out = append(out, RevInfo{Rev: rv.String(), Status: st})
	}
	return out
}

// LeavesFrom returns the leaves that descend from r (r itself when it is a
// leaf), in decreasing winner order; nil when r is not in the tree. This is
// what "latest=true" resolves a revision to.
func (t *Tree) LeavesFrom(r Rev) []Leaf {
	if !t.Has(r) {
		return nil
	}
	var out []Leaf
	for _, l := range t.Leaves() {
		for cur := l.Rev; !cur.IsZero(); cur = t.nodes[cur].parent {
			if cur == r {
				out = append(out, l)
				break
			}
			if cur.Pos <= r.Pos {
				break
			}
		}
	}
	return out
}

// Stem keeps, for every leaf, the newest limit revisions of its branch and
// drops the others. Revisions whose parent was dropped become roots. It
// returns the dropped revisions. limit < 1 is treated as 1.
func (t *Tree) Stem(limit int) []Rev {
	if limit < 1 {
		limit = 1
	}
	if len(t.nodes) <= limit {
		return nil
	}
	keep := make(map[Rev]bool, len(t.nodes))
	for _, l := range t.Leaves() {
		cur := l.Rev
		for i := 0; i < limit && !cur.IsZero(); i++ {
			keep[cur] = true
			cur = t.nodes[cur].parent
		}
	}
	var dropped []Rev
	for r := range t.nodes {
		if !keep[r] {
			dropped = append(dropped, r)
		}
	}
	for _, r := range dropped {
		delete(t.nodes, r)
	}
	for r, n := range t.nodes {
		if !n.parent.IsZero() && !keep[n.parent] {
			n.parent = Rev{}
			t.nodes[r] = n
		}
	}
	slices.SortFunc(dropped, func(a, b Rev) int {
		if a.Less(b) {
			return -1
		}
		if b.Less(a) {
			return 1
		}
		return 0
	})
	return dropped
}

// RevsDiff returns which of revs the tree lacks, and the leaves that could be
// ancestors of those (leaves of a lower generation than some missing
// revision), as CouchDB's _revs_diff does.
func (t *Tree) RevsDiff(revs []Rev) (missing, possibleAncestors []Rev) {
	maxPos := 0
	seen := map[Rev]bool{}
	for _, r := range revs {
		if t.Has(r) || seen[r] {
			continue
		}
		seen[r] = true
		missing = append(missing, r)
		maxPos = max(maxPos, r.Pos)
	}
	if len(missing) == 0 {
		return nil, nil
	}
	for _, l := range t.Leaves() {
		if l.Rev.Pos < maxPos {
			possibleAncestors = append(possibleAncestors, l.Rev)
		}
	}
	return missing, possibleAncestors
}

// Revisions returns every revision in the tree in increasing order.
func (t *Tree) Revisions() []Rev {
	out := make([]Rev, 0, len(t.nodes))
	for r := range t.nodes {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Rev) int {
		if a.Less(b) {
			return -1
		}
		if b.Less(a) {
			return 1
		}
		return 0
	})
	return out
}

// Equal reports whether t and o hold the same revisions, edges and flags.
func (t *Tree) Equal(o *Tree) bool {
	if len(t.nodes) != len(o.nodes) {
		return false
	}
	for r, n := range t.nodes {
		if m, ok := o.nodes[r]; !ok || m != n {
			return false
		}
	}
	return true
}

var errCorrupt = errors.New("revtree: corrupt encoding")

// Purge removes the leaves among revs and those of their ancestors that
// no other leaf descends from, as CouchDB's _purge does. It returns the
// leaves purged (revisions of revs that are not leaves are left alone)
// and every revision removed.
func (t *Tree) Purge(revs []Rev) (purged, removed []Rev) {
	drop := map[Rev]bool{}
	for _, r := range revs {
		if t.IsLeaf(r) && !drop[r] {
			drop[r] = true
			purged = append(purged, r)
		}
	}
	if len(purged) == 0 {
		return nil, nil
	}
	keep := map[Rev]bool{}
	for _, l := range t.Leaves() {
		if drop[l.Rev] {
			continue
		}
		for cur := l.Rev; !cur.IsZero() && !keep[cur]; cur = t.nodes[cur].parent {
			keep[cur] = true
		}
	}
	for _, l := range purged {
		for cur := l; !cur.IsZero() && !keep[cur]; {
			parent := t.nodes[cur].parent
			if _, ok := t.nodes[cur]; !ok {
				break
			}
			delete(t.nodes, cur)
			removed = append(removed, cur)
			cur = parent
		}
	}
	return purged, removed
}
