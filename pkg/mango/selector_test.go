package mango

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseSelectorErrors(t *testing.T) {
	tests := []struct {
		sel     string
		mention string
	}{
		{`[]`, "object"},
		{`"x"`, "object"},
		{`{"a": 1} trailing`, "trailing"},
		{`{"a": {"$foo": 1}}`, "$foo"},
		{`{"$gt": 1}`, "$gt"},
		{`{"a": {"$in": 1}}`, "$in"},
		{`{"a": {"$nin": {}}}`, "$nin"},
		{`{"a": {"$all": "x"}}`, "$all"},
		{`{"a": {"$exists": "yes"}}`, "$exists"},
		{`{"a": {"$type": "int"}}`, "$type"},
		{`{"a": {"$type": 1}}`, "$type"},
		{`{"a": {"$regex": "("}}`, "$regex"},
		{`{"a": {"$regex": "(x"}}`, "regular expression"},
		{`{"a": {"$regex": 5}}`, "$regex"},
		{`{"a": {"$size": -1}}`, "$size"},
		{`{"a": {"$size": 1.5}}`, "$size"},
		{`{"a": {"$size": "1"}}`, "$size"},
		{`{"a": {"$mod": [0, 1]}}`, "$mod"},
		{`{"a": {"$mod": [2]}}`, "$mod"},
		{`{"a": {"$mod": [2.5, 1]}}`, "$mod"},
		{`{"$and": {"a": 1}}`, "$and"},
		{`{"$or": 3}`, "$or"},
		{`{"$nor": null}`, "$nor"},
		{`{"$not": [1]}`, "$not"},
		{`{"a": {"$elemMatch": 3}}`, "$elemMatch"},
		{`{"a": {"$allMatch": []}}`, "$allMatch"},
		{`{"$text": "hello"}`, "$text"},
		{`{"a": {"$where": "x"}}`, "$where"},
		{`{"": 1}`, "field"},
		{`{"a..b": 1}`, "a..b"},
		{`{"$or": [1]}`, "$eq"},
		{`{"$elemMatch": {"a": 1}}`, "$elemMatch"},
	}
	for _, tt := range tests {
		_, err := ParseSelector(json.RawMessage(tt.sel))
		if err == nil {
			t.Errorf("ParseSelector(%s): no error", tt.sel)
			continue
		}
		if !errors.Is(err, ErrBadQuery) {
			t.Errorf("ParseSelector(%s): %v does not wrap ErrBadQuery", tt.sel, err)
		}
		if !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("ParseSelector(%s): %q should mention %q", tt.sel, err, tt.mention)
		}
	}
}

func TestSelectorJSONRoundTrip(t *testing.T) {
	in := `{"b": {"$gt": 1.50}, "a": [1, {"x": null}]}`
	sel := mustSelector(t, in)
	out, err := json.Marshal(sel)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"a":[1,{"x":null}],"b":{"$gt":1.50}}` {
		t.Errorf("canonical JSON = %s", out)
	}
	var back Selector
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{"a": []any{1.0, map[string]any{"x": nil}}, "b": 2.0}
	if !back.Match(doc) || !sel.Match(doc) {
		t.Error("round-tripped selector should match")
	}
	if err := json.Unmarshal([]byte(`{"a":{"$bad":1}}`), &back); !errors.Is(err, ErrBadQuery) {
		t.Errorf("UnmarshalJSON error = %v", err)
	}
}

func TestNegationNormalisation(t *testing.T) {
	// {"$not": {"a": {"$gt": 1}}} becomes {"a": {"$lte": 1}}.
	sel := mustSelector(t, `{"$not": {"a": {"$gt": 1}}}`)
	if sel.root.kind != kindField || sel.root.cond.op != "$lte" {
		t.Fatalf("root = %+v, cond %+v", sel.root, sel.root.cond)
	}
	// $nor becomes $and of negations.
	sel = mustSelector(t, `{"$nor": [{"a": 1}, {"b": {"$in": [2]}}]}`)
	if sel.root.kind != kindAnd || sel.root.children[0].cond.op != "$ne" || sel.root.children[1].cond.op != "$nin" {
		t.Fatalf("unexpected $nor normalisation")
	}
	// Double negation of a non-invertible operator restores it.
	sel = mustSelector(t, `{"$not": {"$not": {"a": {"$size": 1}}}}`)
	if sel.root.cond.op != "$size" {
		t.Fatalf("double negation gave %s", sel.root.cond.op)
	}
}

func TestParseField(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"a", []string{"a"}, false},
		{"a.b.c", []string{"a", "b", "c"}, false},
		{`a\.b.c`, []string{"a.b", "c"}, false},
		{`a\b`, []string{`a\b`}, false},
		{"", nil, true},
		{".a", nil, true},
		{"a.", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseField(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("ParseField(%q) error = %v", tt.in, err)
			continue
		}
		if !tt.err && strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("ParseField(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !tt.err && fieldName(got) != tt.in && !strings.Contains(tt.in, `\b`) {
			t.Errorf("fieldName(ParseField(%q)) = %q", tt.in, fieldName(got))
		}
	}
}

// FuzzParseSelectorMatch checks that no selector, document or query makes
// the package panic.
func FuzzParseSelectorMatch(f *testing.F) {
	seeds := [][2]string{
		{`{"a": {"$gt": 1}}`, `{"a": 2}`},
		{`{"$or": [{"a": 1}, {"b": {"$elemMatch": {"$regex": "x"}}}]}`, `{"b": ["xx"]}`},
		{`{"$not": {"a": {"$mod": [3, 1]}}}`, `{"a": 4}`},
		{`{"a.b.0": {"$all": [[1]]}}`, `{"a": {"b": [[1]]}}`},
		{`{"a": {"$keyMapMatch": {"$in": ["k"]}}}`, `{"a": {"k": 1}}`},
		{`{"selector": {"a": 1}, "sort": [{"a": "desc"}], "limit": 5}`, `{}`},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, sel, doc string) {
		if s, err := ParseSelector(json.RawMessage(sel)); err == nil {
			if v, err := decodeJSON([]byte(doc)); err == nil {
				if m, ok := v.(map[string]any); ok {
					s.Match(m)
				}
			}
			// the canonical form must parse to an equivalent selector
			if _, err := ParseSelector(json.RawMessage(s.String())); err != nil {
				t.Fatalf("canonical %s does not parse: %v", s, err)
			}
		} else if !errors.Is(err, ErrBadQuery) {
			t.Fatalf("error %v does not wrap ErrBadQuery", err)
		}
		if q, err := ParseQuery(json.RawMessage(sel)); err == nil {
			_, _ = Plan(q, []IndexDef{{DDoc: "_design/x", Name: "x", Fields: []SortField{{Field: "a"}}}})
		} else if !errors.Is(err, ErrBadQuery) {
			t.Fatalf("ParseQuery error %v does not wrap ErrBadQuery", err)
		}
		if ix, err := ParseIndexRequest(json.RawMessage(sel)); err == nil {
			if v, err := decodeJSON([]byte(doc)); err == nil {
				if m, ok := v.(map[string]any); ok {
					ix.Key(m)
				}
			}
		}
	})
}
