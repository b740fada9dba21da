package mango

import (
	"encoding/json"
	"math/rand"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/collate"
)

// refMatch is a deliberately plain evaluator of a raw (decoded) selector. It
// does not normalise: it carries a negation flag down the tree instead
// (De Morgan on $and/$or, inverted leaf results), with CouchDB's rule that a
// condition on a missing field is false unless it means "does not exist".
func refMatch(sel map[string]any, doc any, path []string, neg bool) bool {
	results := []bool{}
	for k, v := range sel {
		results = append(results, refEntry(k, v, doc, path, neg))
	}
	return combine(results, !neg)
}

// combine is AND when and is true, else OR; empty gives true for AND.
func combine(rs []bool, and bool) bool {
	if len(rs) == 0 {
		return and
	}
	for _, r := range rs {
		if and && !r {
			return false
		}
		if !and && r {
			return true
		}
	}
	return and
}

func refValue(v any, doc any, path []string, neg bool) bool {
	if m, ok := v.(map[string]any); ok && len(m) > 0 {
		return refMatch(m, doc, path, neg)
	}
	return refLeaf("$eq", v, doc, path, neg)
}

func refEntry(k string, v any, doc any, path []string, neg bool) bool {
	switch k {
	case "$and", "$or", "$nor":
		arr := v.([]any)
		var rs []bool
		for _, a := range arr {
			rs = append(rs, refValue(a, doc, path, neg != (k == "$nor")))
		}
		if k == "$or" {
			if len(rs) == 0 {
				return !neg
			}
			return combine(rs, neg)
		}
		if len(rs) == 0 {
			return !neg
		}
		return combine(rs, !neg)
	case "$not":
		return refValue(v, doc, path, !neg)
	}
	if strings.HasPrefix(k, "$") {
		return refLeaf(k, v, doc, path, neg)
	}
	return refValue(v, doc, append(append([]string(nil), path...), strings.Split(k, ".")...), neg)
}

func refLeaf(op string, arg any, doc any, path []string, neg bool) bool {
	v, found := lookup(doc, path)
	if op == "$exists" {
		want := arg.(bool) != neg
		return found == want
	}
	if !found {
		return false
	}
	var r bool
	c := func(a any) int { return collate.Compare(v, a) }
	switch op {
	case "$eq":
		r = c(arg) == 0
	case "$ne":
		r = c(arg) != 0
	case "$gt":
		r = c(arg) > 0
	case "$gte":
		r = c(arg) >= 0
	case "$lt":
		r = c(arg) < 0
	case "$lte":
		r = c(arg) <= 0
	case "$in", "$nin":
		r = false
		elems := []any{v}
		if arr, ok := v.([]any); ok {
			elems = arr
		}
		for _, e := range elems {
			for _, a := range arg.([]any) {
				if collate.Compare(e, a) == 0 {
					r = true
				}
			}
		}
		if op == "$nin" {
			r = !r
		}
	case "$size":
		arr, ok := v.([]any)
		n, _ := integer(arg)
		r = ok && int64(len(arr)) == n
	case "$type":
		r = typeOf(v) == arg
	case "$regex":
		s, ok := v.(string)
		r = ok && regexp.MustCompile(arg.(string)).MatchString(s)
	case "$mod":
		i, ok := integer(v)
		d, _ := integer(arg.([]any)[0])
		m, _ := integer(arg.([]any)[1])
		r = ok && i%d == m
	case "$elemMatch", "$allMatch":
		arr, ok := v.([]any)
		sub := arg.(map[string]any)
		if op == "$elemMatch" {
			for _, e := range arr {
				if refValue(sub, e, nil, false) {
					r = true
				}
			}
		} else {
			r = ok && len(arr) > 0
			for _, e := range arr {
				if !refValue(sub, e, nil, false) {
					r = false
				}
			}
		}
	}
	return r != neg
}

// Random generation over a small vocabulary so that conditions often hit.
var (
	genFields = []string{"a", "b", "c", "a.x", "b.0"}
	genScalar = []any{nil, true, false, json.Number("0"), json.Number("1"), json.Number("2"), 2.5, json.Number("-3"),
		"", "a", "A", "b", "ab", "B"}
)

func genValue(r *rand.Rand, depth int) any {
	switch n := r.Intn(10); {
	case n < 6 || depth <= 0:
		return genScalar[r.Intn(len(genScalar))]
	case n < 8:
		arr := make([]any, r.Intn(3))
		for i := range arr {
			arr[i] = genValue(r, depth-1)
		}
		return arr
	default:
		return map[string]any{"x": genValue(r, depth-1)}
	}
}

func genDoc(r *rand.Rand, id int) map[string]any {
	d := map[string]any{"_id": "doc" + string(rune('a'+id%26)) + string(rune('a'+id/26%26))}
	for _, f := range []string{"a", "b", "c"} {
		if r.Intn(5) > 0 {
			d[f] = genValue(r, 2)
		}
	}
	return d
}

func genCond(r *rand.Rand, depth int) any {
	ops := []string{"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$type", "$size",
		"$regex", "$mod", "$not", "$elemMatch", "$allMatch", "bare"}
	op := ops[r.Intn(len(ops))]
	switch op {
	case "bare":
		return genValue(r, 1)
	case "$in", "$nin":
		arr := make([]any, r.Intn(3))
		for i := range arr {
			arr[i] = genValue(r, 1)
		}
		return map[string]any{op: arr}
	case "$exists":
		return map[string]any{op: r.Intn(2) == 0}
	case "$type":
		return map[string]any{op: []string{"null", "boolean", "number", "string", "array", "object"}[r.Intn(6)]}
	case "$size":
		return map[string]any{op: json.Number([]string{"0", "1", "2"}[r.Intn(3)])}
	case "$regex":
		return map[string]any{op: []string{"^a", "b", "(?i)^a$", ""}[r.Intn(4)]}
	case "$mod":
		return map[string]any{op: []any{json.Number("2"), json.Number([]string{"0", "1", "-1"}[r.Intn(3)])}}
	case "$not":
		if depth <= 0 {
			return map[string]any{"$gt": genValue(r, 0)}
		}
		return map[string]any{op: genCond(r, depth-1)}
	case "$elemMatch", "$allMatch":
		if depth <= 0 {
			return map[string]any{"$lt": genValue(r, 0)}
		}
		var sub any = genCond(r, depth-1)
		if r.Intn(3) == 0 {
			sub = map[string]any{"x": genCond(r, depth-1)}
		}
		if _, ok := sub.(map[string]any); !ok {
			sub = map[string]any{"$eq": sub}
		}
		return map[string]any{op: sub}
	}
	return map[string]any{op: genValue(r, 1)}
}

func genSelector(r *rand.Rand, depth int) map[string]any {
	if depth > 0 && r.Intn(3) == 0 {
		op := []string{"$and", "$or", "$nor", "$not"}[r.Intn(4)]
		if op == "$not" {
			return map[string]any{op: genSelector(r, depth-1)}
		}
		arr := make([]any, r.Intn(3))
		for i := range arr {
			arr[i] = genSelector(r, depth-1)
		}
		return map[string]any{op: arr}
	}
	m := map[string]any{}
	for i := 1 + r.Intn(2); i > 0; i-- {
		m[genFields[r.Intn(len(genFields))]] = genCond(r, 2)
	}
	return m
}

// wellFormed drops selectors where CouchDB-style parsing would reject the
// generated shape (a condition such as an empty map used as an operator).
func parseGenerated(t *testing.T, m map[string]any) (Selector, bool) {
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := ParseSelector(raw)
	return sel, err == nil
}

// TestMatchAgreesWithReference compares Match with refMatch on seeded random
// selectors and documents.
func TestMatchAgreesWithReference(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	docs := make([]map[string]any, 60)
	for i := range docs {
		docs[i] = genDoc(r, i)
	}
	checked, matched := 0, 0
	for i := 0; i < 3000; i++ {
		m := genSelector(r, 3)
		sel, ok := parseGenerated(t, m)
		if !ok {
			continue
		}
		checked++
		for _, d := range docs {
			got, want := sel.Match(d), refMatch(m, d, nil, false)
			if got != want {
				sj, _ := json.Marshal(m)
				dj, _ := json.Marshal(d)
				t.Fatalf("selector %s on %s: Match=%v reference=%v", sj, dj, got, want)
			}
			if got {
				matched++
			}
		}
	}
	t.Logf("%d selectors x %d docs, %d matches", checked, len(docs), matched)
	if checked < 2000 || matched == 0 || matched == checked*len(docs) {
		t.Fatalf("weak sample: %d selectors checked, %d matches", checked, matched)
	}
}

// TestPlanRangeIsSound checks on random data that every document matching the
// selector (and having the sort fields) is in the chosen index and inside the
// planned key range, and that entries come out in sort order.
func TestPlanRangeIsSound(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	docs := make([]map[string]any, 80)
	for i := range docs {
		docs[i] = genDoc(r, i)
	}
	indexes := []IndexDef{
		{DDoc: "_design/a", Name: "a", Fields: []SortField{{Field: "a"}}},
		{DDoc: "_design/ab", Name: "ab", Fields: []SortField{{Field: "a"}, {Field: "b"}}},
		{DDoc: "_design/ba", Name: "ba", Fields: []SortField{{Field: "b"}, {Field: "a"}}},
		{DDoc: "_design/cab", Name: "cab", Fields: []SortField{{Field: "c"}, {Field: "a"}, {Field: "b"}}},
	}
	ops := []string{"$eq", "$gt", "$gte", "$lt", "$lte", "$ne", "$exists", "$in"}
	planned := 0
	for i := 0; i < 3000; i++ {
		m := map[string]any{}
		for j := 1 + r.Intn(3); j > 0; j-- {
			f := []string{"a", "b", "c"}[r.Intn(3)]
			op := ops[r.Intn(len(ops))]
			var arg any = genValue(r, 1)
			switch op {
			case "$exists":
				arg = true
			case "$in":
				arg = []any{genValue(r, 0), genValue(r, 0)}
			}
			cond, _ := m[f].(map[string]any)
			if cond == nil {
				cond = map[string]any{}
			}
			cond[op] = arg
			m[f] = cond
		}
		var sortSpec []any
		if r.Intn(2) == 0 {
			dir := []string{"asc", "desc"}[r.Intn(2)]
			for _, f := range [][]string{{"a"}, {"b"}, {"a", "b"}, {"c", "a"}}[r.Intn(4)] {
				sortSpec = append(sortSpec, map[string]any{f: dir})
			}
		}
		body, _ := json.Marshal(map[string]any{"selector": m, "sort": sortSpec})
		q, err := ParseQuery(body)
		if err != nil {
			t.Fatalf("ParseQuery(%s): %v", body, err)
		}
		plan, err := Plan(q, indexes)
		if err != nil {
			continue
		}
		planned++
		type entry struct {
			key []byte
			doc map[string]any
		}
		var inRange []entry
		for _, d := range docs {
			key, ok := plan.Index.Key(d)
			full := append(key, d["_id"].(string)...)
			if ok && plan.Contains(full) {
				inRange = append(inRange, entry{full, d})
			}
			if !q.Selector.Match(d) {
				continue
			}
			hasSort := true
			for _, s := range q.Sort {
				p, _ := ParseField(s.Field)
				if _, ok := lookup(d, p); !ok {
					hasSort = false
				}
			}
			if !hasSort {
				continue
			}
			if !ok {
				t.Fatalf("%s: matching doc %v not in index %s", body, d, plan.Index.Name)
			}
			if !plan.Contains(full) {
				t.Fatalf("%s: matching doc %v outside range of %s", body, d, plan.Index.Name)
			}
		}
		// Index order must agree with the requested sort.
		sort.Slice(inRange, func(i, j int) bool { return string(inRange[i].key) < string(inRange[j].key) })
		if plan.Descending {
			for i, j := 0, len(inRange)-1; i < j; i, j = i+1, j-1 {
				inRange[i], inRange[j] = inRange[j], inRange[i]
			}
		}
		for k := 1; k < len(inRange); k++ {
			for _, s := range q.Sort {
				p, _ := ParseField(s.Field)
				va, _ := lookup(inRange[k-1].doc, p)
				vb, _ := lookup(inRange[k].doc, p)
				c := collate.Compare(va, vb)
				if s.Desc {
					c = -c
				}
				if c < 0 {
					break
				}
				if c > 0 {
					t.Fatalf("%s: index %s yields %v before %v", body, plan.Index.Name, va, vb)
				}
			}
		}
	}
	t.Logf("%d of 3000 queries planned", planned)
	if planned < 300 {
		t.Fatalf("only %d queries were planned", planned)
	}
}
