package mango

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/cozypi/cozy/pkg/collate"
)

// QueryPlan says which index serves a query and which part of it to read.
// Index entries whose key k (IndexDef.Key, possibly followed by a document id)
// satisfies Start <= k < End are candidates; End nil means no upper bound.
// Every candidate must still be checked with the query's Selector. Entries are
// read in ascending key order, or descending when Descending is set.
type QueryPlan struct {
	Index IndexDef
	Start []byte
	End   []byte
	// InclusiveEnd is kept for callers that expect it; Plan always returns
	// false because End is already the exclusive successor of the last key.
	InclusiveEnd bool
	Descending   bool
}

// Contains reports whether an index entry key falls within the plan's range.
func (p QueryPlan) Contains(key []byte) bool {
	if bytes.Compare(key, p.Start) < 0 {
		return false
	}
	if p.End == nil {
		return true
	}
	c := bytes.Compare(key, p.End)
	return c < 0 || (p.InclusiveEnd && c == 0)
}

// Empty reports whether the range holds no key at all (contradictory bounds).
func (p QueryPlan) Empty() bool {
	return p.End != nil && bytes.Compare(p.Start, p.End) >= 0 && !(p.InclusiveEnd && bytes.Equal(p.Start, p.End))
}

// Plan chooses the index for q among indexes and computes its key range.
// It fails with an error wrapping ErrNoUsableIndex when no index can serve
// the query (including a use_index naming an unknown or unusable index), and
// with ErrBadQuery for a sort mixing directions.
func Plan(q Query, indexes []IndexDef) (QueryPlan, error) {
	for _, s := range q.Sort {
		if s.Desc != q.Sort[0].Desc {
			return QueryPlan{}, badf("unsupported_mixed_sort: all sort fields must use the same direction")
		}
	}
	sortNames := make([]string, len(q.Sort))
	for i, s := range q.Sort {
		path, err := ParseField(s.Field)
		if err != nil {
			return QueryPlan{}, err
		}
		sortNames[i] = fieldName(path)
	}
	root := q.Selector.root
	if root == nil {
		root = constNode(true)
	}
	conj := conjuncts(root)
	bounds := fieldBounds(conj)

	var cands []IndexDef
	if len(q.UseIndex) > 0 {
		// CouchDB splits a use_index string once only: "_design/a/b" names
		// the design document "a/b". cozy-client names its ddocs after
		// selectors, slashes of regexps included ("(?!/.cozy_trash)"), so
		// the whole string is also read as one design document id.
		whole := strings.Join(q.UseIndex, "/")
		for _, ix := range indexes {
			if designID(ix.DDoc) == whole || designID(ix.DDoc) == q.UseIndex[0] && (len(q.UseIndex) == 1 || ix.Name == q.UseIndex[1]) {
				cands = append(cands, ix)
			}
		}
		if len(cands) == 0 {
			return QueryPlan{}, fmt.Errorf("%w: use_index %s: no such index", ErrNoUsableIndex, strings.Join(q.UseIndex, "/"))
		}
	} else {
		for _, ix := range indexes {
			if ix.PartialFilter == nil {
				cands = append(cands, ix)
			}
		}
	}

	type scored struct {
		ix       IndexDef
		cols     []string
		prefDiff int
	}
	var usable []scored
	covered := coveredFields(root)
	for _, ix := range cands {
		cols, ok := indexColumns(ix)
		if !ok || !isUsable(cols, sortNames, covered, conj) {
			continue
		}
		prefix := 0
		for _, c := range cols {
			if _, ok := bounds[c]; !ok {
				break
			}
			prefix++
		}
		usable = append(usable, scored{ix, cols, len(bounds) - prefix})
	}
	if len(usable) == 0 {
		switch {
		case len(q.UseIndex) > 0:
			return QueryPlan{}, fmt.Errorf("%w: %s is not a valid index for this query", ErrNoUsableIndex, strings.Join(q.UseIndex, "/"))
		case len(q.Sort) > 0:
			return QueryPlan{}, fmt.Errorf("%w: no index exists for this sort, try indexing by the sort fields", ErrNoUsableIndex)
		}
		return QueryPlan{}, fmt.Errorf("%w: no matching index found, create an index on the fields of the selector", ErrNoUsableIndex)
	}
	sort.SliceStable(usable, func(i, j int) bool {
		a, b := usable[i], usable[j]
		if a.prefDiff != b.prefDiff {
			return a.prefDiff < b.prefDiff
		}
		if len(a.cols) != len(b.cols) {
			return len(a.cols) < len(b.cols)
		}
		if a.ix.DDoc != b.ix.DDoc {
			return a.ix.DDoc < b.ix.DDoc
		}
		return a.ix.Name < b.ix.Name
	})
	best := usable[0]
	plan := QueryPlan{Index: best.ix, Descending: len(q.Sort) > 0 && q.Sort[0].Desc}
	plan.Start, plan.End = keyRange(best.cols, bounds)
	return plan, nil
}

// indexColumns returns the canonical field names of an index.
func indexColumns(ix IndexDef) ([]string, bool) {
	cols := make([]string, len(ix.Fields))
	for i, f := range ix.Fields {
		path, err := ParseField(f.Field)
		if err != nil {
			return nil, false
		}
		cols[i] = fieldName(path)
	}
	return cols, true
}

// isUsable applies CouchDB's rule: every column is required by the selector,
// except sort fields and _id/_rev, and the sort can be read from the index.
func isUsable(cols, sortNames []string, covered map[string]bool, conj []*node) bool {
	inSort := map[string]bool{}
	for _, s := range sortNames {
		inSort[s] = true
	}
	for _, c := range cols {
		if !covered[c] && !inSort[c] && c != "_id" && c != "_rev" {
			return false
		}
	}
	// The sort must be a prefix of the columns left after skipping leading
	// columns fixed by $eq.
	if len(sortNames) == 0 {
		return true
	}
	for i, c := range cols {
		if c == sortNames[0] {
			rest := cols[i:]
			if len(sortNames) > len(rest) {
				return false
			}
			for j, s := range sortNames {
				if rest[j] != s {
					return false
				}
			}
			return true
		}
		if !isConstant(conj, c) {
			return false
		}
	}
	return false
}

// conjuncts flattens the top-level $and of a selector.
func conjuncts(n *node) []*node {
	if n.kind != kindAnd {
		return []*node{n}
	}
	var out []*node
	for _, c := range n.children {
		out = append(out, conjuncts(c)...)
	}
	return out
}

// coveredFields returns the fields that every matching document must have.
func coveredFields(n *node) map[string]bool {
	switch n.kind {
	case kindField:
		if n.cond.op == "$exists" && !n.cond.b || len(n.path) == 0 {
			return map[string]bool{}
		}
		return map[string]bool{fieldName(n.path): true}
	case kindAnd:
		out := map[string]bool{}
		for _, c := range n.children {
			for f := range coveredFields(c) {
				out[f] = true
			}
		}
		return out
	case kindOr:
		out := coveredFields(n.children[0])
		for _, c := range n.children[1:] {
			other := coveredFields(c)
			for f := range out {
				if !other[f] {
					delete(out, f)
				}
			}
		}
		return out
	}
	return map[string]bool{}
}

func isConstant(conj []*node, field string) bool {
	for _, n := range conj {
		if n.kind == kindField && n.cond.op == "$eq" && fieldName(n.path) == field {
			return true
		}
	}
	return false
}

// bound is one side of a range on a field value.
type bound struct {
	set       bool
	val       any
	exclusive bool
}

type fieldRange struct{ lo, hi bound }

func (r fieldRange) isPoint() bool {
	return r.lo.set && r.hi.set && !r.lo.exclusive && !r.hi.exclusive && collate.Compare(r.lo.val, r.hi.val) == 0
}

// fieldBounds intersects the range conditions of the top-level conjuncts per
// field. Only $eq counts for "_id", whose conditions compare raw bytes while
// index keys follow collation.
func fieldBounds(conj []*node) map[string]fieldRange {
	out := map[string]fieldRange{}
	for _, n := range conj {
		if n.kind != kindField || len(n.path) == 0 {
			continue
		}
		name := fieldName(n.path)
		c := n.cond
		if name == "_id" && c.op != "$eq" {
			continue
		}
		var lo, hi bound
		switch c.op {
		case "$eq":
			lo, hi = bound{true, c.arg, false}, bound{true, c.arg, false}
		case "$gt":
			lo = bound{true, c.arg, true}
		case "$gte":
			lo = bound{true, c.arg, false}
		case "$lt":
			hi = bound{true, c.arg, true}
		case "$lte":
			hi = bound{true, c.arg, false}
		default:
			continue
		}
		r := out[name]
		r.lo = tighter(r.lo, lo, 1)
		r.hi = tighter(r.hi, hi, -1)
		out[name] = r
	}
	return out
}

// tighter keeps the more restrictive of two bounds: the larger lower bound
// (dir 1) or the smaller upper bound (dir -1); exclusive wins on a tie.
func tighter(a, b bound, dir int) bound {
	switch {
	case !b.set:
		return a
	case !a.set:
		return b
	}
	c := collate.Compare(b.val, a.val) * dir
	if c > 0 || (c == 0 && b.exclusive) {
		return b
	}
	return a
}

// keyRange turns field ranges on the leading columns into byte bounds:
// equalities on a prefix of the columns, then at most one range.
func keyRange(cols []string, bounds map[string]fieldRange) (start, end []byte) {
	var prefix []byte
	for _, c := range cols {
		r, ok := bounds[c]
		if !ok {
			break
		}
		if r.isPoint() {
			prefix = collate.EncodeKey(prefix, r.lo.val)
			continue
		}
		start = append([]byte(nil), prefix...)
		if r.lo.set {
			start = collate.EncodeKey(start, r.lo.val)
			if r.lo.exclusive {
				start = collate.Successor(start)
			}
		}
		if r.hi.set {
			end = collate.EncodeKey(append([]byte(nil), prefix...), r.hi.val)
			if !r.hi.exclusive {
				end = collate.Successor(end)
			}
		} else {
			end = collate.Successor(prefix)
		}
		return start, end
	}
	return append([]byte{}, prefix...), collate.Successor(prefix)
}
