package mango

import (
	"encoding/json"
	"os"
	"reflect"
	"sort"
	"testing"
)

func loadDocs(t testing.TB) []map[string]any {
	t.Helper()
	raw, err := os.ReadFile("testdata/docs.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := decodeJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	var docs []map[string]any
	for _, d := range v.([]any) {
		docs = append(docs, d.(map[string]any))
	}
	return docs
}

func mustSelector(t testing.TB, s string) Selector {
	t.Helper()
	sel, err := ParseSelector(json.RawMessage(s))
	if err != nil {
		t.Fatalf("ParseSelector(%s): %v", s, err)
	}
	return sel
}

// TestMatchOperators runs each selector over testdata/docs.json and lists
// the ids of the matching documents.
func TestMatchOperators(t *testing.T) {
	docs := loadDocs(t)
	tests := []struct {
		sel  string
		want []string
	}{
		{`{}`, []string{"C3", "a1", "b2", "d4"}},
		// implicit $eq, $eq, nested objects, dotted paths, escaped dots
		{`{"name": "Alice"}`, []string{"a1"}},
		{`{"name": {"$eq": "bob"}}`, []string{"b2"}},
		{`{"address.city": "Paris"}`, []string{"a1"}},
		{`{"address": {"city": "lyon"}}`, []string{"b2"}},
		{`{"address": {"$eq": {"city": "lyon"}}}`, []string{"b2"}},
		{`{"dotted\\.key": 1}`, []string{"a1"}},
		{`{"dotted.key": 1}`, nil},
		{`{"scores.0": 85}`, []string{"a1"}},
		{`{"tags": ["x", "y"]}`, []string{"a1"}},
		{`{"age": 30.0}`, []string{"a1"}},
		{`{"nil": null}`, []string{"b2"}},
		// $ne and missing fields
		{`{"age": {"$ne": 30}}`, []string{"C3", "b2"}},
		{`{"flag": {"$ne": true}}`, []string{"d4"}},
		// comparisons use collation across types
		{`{"age": {"$gt": 26}}`, []string{"C3", "a1"}},
		{`{"age": {"$gte": 25.5, "$lt": 30}}`, []string{"b2"}},
		{`{"age": {"$lte": 25.5}}`, []string{"b2"}},
		{`{"age": {"$gt": "a"}}`, []string{"C3"}},
		{`{"name": {"$gt": "b", "$lt": "c"}}`, []string{"b2"}},
		{`{"name": {"$lt": "B"}}`, []string{"a1"}}, // "B" < "bob" in ICU order
		// _id compares raw bytes: "C3" < "a1"
		{`{"_id": {"$lt": "a"}}`, []string{"C3"}},
		{`{"_id": {"$gt": "b"}}`, []string{"b2", "d4"}},
		// $in / $nin, including array values
		{`{"name": {"$in": ["bob", "dave", "zed"]}}`, []string{"b2", "d4"}},
		{`{"tags": {"$in": ["z"]}}`, []string{"d4"}},
		{`{"tags": {"$in": []}}`, nil},
		{`{"tags": {"$nin": ["x"]}}`, []string{"C3", "b2"}},
		{`{"age": {"$nin": [30, "thirty"]}}`, []string{"b2"}},
		{`{"age": {"$nin": []}}`, []string{"C3", "a1", "b2"}},
		// $exists
		{`{"age": {"$exists": true}}`, []string{"C3", "a1", "b2"}},
		{`{"age": {"$exists": false}}`, []string{"d4"}},
		{`{"nil": {"$exists": true}}`, []string{"b2"}},
		// $type
		{`{"age": {"$type": "number"}}`, []string{"a1", "b2"}},
		{`{"address": {"$type": "object"}}`, []string{"a1", "b2"}},
		{`{"flag": {"$type": "boolean"}}`, []string{"C3", "d4"}},
		{`{"nil": {"$type": "null"}}`, []string{"b2"}},
		{`{"tags": {"$type": "array"}}`, []string{"C3", "a1", "b2", "d4"}},
		{`{"age": {"$type": "string"}}`, []string{"C3"}},
		// $regex (PCRE-like, unanchored)
		{`{"name": {"$regex": "^[a-z]"}}`, []string{"b2", "d4"}},
		{`{"name": {"$regex": "(?i)^c"}}`, []string{"C3"}},
		{`{"age": {"$regex": "3"}}`, nil},
		{`{"name": {"$beginsWith": "Al"}}`, []string{"a1"}},
		// $size, $mod
		{`{"tags": {"$size": 0}}`, []string{"b2"}},
		{`{"tags": {"$size": 3}}`, []string{"d4"}},
		{`{"n": {"$mod": [2, 1]}}`, []string{"a1"}},
		{`{"n": {"$mod": [2, -1]}}`, []string{"b2"}},
		{`{"age": {"$mod": [5, 0]}}`, []string{"a1"}},
		// $all
		{`{"tags": {"$all": ["y", "x"]}}`, []string{"a1", "d4"}},
		{`{"tags": {"$all": []}}`, nil},
		{`{"scores": {"$all": [[1, 2]]}}`, []string{"C3"}},
		{`{"name": {"$all": ["bob"]}}`, nil},
		// $elemMatch / $allMatch / $keyMapMatch
		{`{"scores": {"$elemMatch": {"$gte": 80, "$lt": 90}}}`, []string{"a1"}},
		{`{"scores": {"$allMatch": {"$gt": 80}}}`, []string{"C3", "a1"}}, // arrays sort after numbers
		{`{"scores": {"$allMatch": {"$gt": 0}}}`, []string{"C3", "a1", "b2"}},
		{`{"tags": {"$elemMatch": {"$eq": "z"}}}`, []string{"d4"}},
		{`{"scores": {"$elemMatch": {"$elemMatch": {"$eq": 2}}}}`, []string{"C3"}},
		{`{"obj": {"$keyMapMatch": {"$eq": "k1"}}}`, []string{"d4"}},
		// logical operators
		{`{"$and": [{"tags": {"$size": 2}}, {"name": "Alice"}]}`, []string{"a1"}},
		{`{"$or": [{"name": "bob"}, {"flag": true}]}`, []string{"C3", "b2"}},
		{`{"$or": []}`, []string{"C3", "a1", "b2", "d4"}},
		{`{"$and": []}`, []string{"C3", "a1", "b2", "d4"}},
		// $nor is an $and of negated conditions, which need their field (a1 has no flag)
		{`{"$nor": [{"name": "bob"}, {"flag": true}]}`, []string{"d4"}},
		{`{"name": {"$or": ["bob", "dave"]}}`, []string{"b2", "d4"}},
		{`{"age": {"$and": [{"$gt": 20}, {"$lt": 30}]}}`, []string{"b2"}},
		// $not pushed down: a negated condition still needs the field
		{`{"age": {"$not": {"$gt": 26}}}`, []string{"b2"}},
		{`{"$not": {"age": {"$eq": 30}}}`, []string{"C3", "b2"}},
		{`{"$not": {"age": {"$exists": true}}}`, []string{"d4"}},
		{`{"name": {"$not": {"$regex": "^[a-z]"}}}`, []string{"C3", "a1"}},
		{`{"$not": {"$or": [{"name": "bob"}, {"name": "dave"}]}}`, []string{"C3", "a1"}},
		{`{"$not": {"$not": {"name": "bob"}}}`, []string{"b2"}},
		{`{"$not": {"tags": {"$size": 2}}}`, []string{"C3", "b2", "d4"}},
		{`{"$not": {}}`, nil},
		// mixed operators and sub-fields under one field
		{`{"address": {"$type": "object", "city": {"$regex": "^[A-Z]"}}}`, []string{"a1"}},
	}
	for _, tt := range tests {
		t.Run(tt.sel, func(t *testing.T) {
			sel := mustSelector(t, tt.sel)
			var got []string
			for _, d := range docs {
				if sel.Match(d) {
					got = append(got, d["_id"].(string))
				}
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("matched %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMatchFloat64Documents(t *testing.T) {
	// Documents decoded without UseNumber work the same way.
	var doc map[string]any
	if err := json.Unmarshal([]byte(`{"n": 9, "f": 2.5, "a": [1, 2]}`), &doc); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`{"n": {"$mod": [4, 1]}}`, `{"f": {"$gt": 2}}`, `{"a": {"$size": 2}}`, `{"n": 9}`} {
		if !mustSelector(t, s).Match(doc) {
			t.Errorf("%s should match %v", s, doc)
		}
	}
	if mustSelector(t, `{"f": {"$mod": [2, 0]}}`).Match(doc) {
		t.Error("$mod must not match a non-integer")
	}
}

func TestZeroSelectorMatchesAll(t *testing.T) {
	var s Selector
	if !s.Match(map[string]any{"x": 1.0}) || !s.IsEmpty() || s.String() != "{}" {
		t.Error("zero Selector should match everything and print {}")
	}
}
