package mango

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseIndexRequest(t *testing.T) {
	ix, err := ParseIndexRequest(json.RawMessage(`{"index": {"fields": ["calendar", {"date": "asc"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.Name) != 40 || ix.DDoc != "_design/"+ix.Name || ix.PartialFilter != nil {
		t.Errorf("default names: ddoc %q name %q", ix.DDoc, ix.Name)
	}
	if !reflect.DeepEqual(ix.Fields, []SortField{{Field: "calendar"}, {Field: "date"}}) {
		t.Errorf("fields = %v", ix.Fields)
	}
	// Deterministic: same definition, same name; other definition, other name.
	again, _ := ParseIndexRequest(json.RawMessage(`{"index": {"fields": ["calendar", "date"]}, "type": "json"}`))
	other, _ := ParseIndexRequest(json.RawMessage(`{"index": {"fields": ["date", "calendar"]}}`))
	if again.Name != ix.Name || other.Name == ix.Name {
		t.Errorf("names not derived from the definition: %s %s %s", ix.Name, again.Name, other.Name)
	}

	named, err := ParseIndexRequest(json.RawMessage(`{"index": {"fields": ["a"], "partial_filter_selector": {"trashed": false}}, "ddoc": "by_label", "name": "lbl"}`))
	if err != nil {
		t.Fatal(err)
	}
	if named.DDoc != "_design/by_label" || named.Name != "lbl" || named.PartialFilter == nil {
		t.Errorf("named index = %+v", named)
	}
	if named.Signature() == (IndexDef{Fields: named.Fields}).Signature() {
		t.Error("partial filter should change the signature")
	}
}

func TestParseIndexRequestErrors(t *testing.T) {
	tests := []struct{ body, mention string }{
		{`{}`, "index"},
		{`[]`, "index"},
		{`{"index": {}}`, "fields"},
		{`{"index": {"fields": null}}`, "fields"},
		{`{"index": {"fields": [1]}}`, "sort field"},
		{`{"index": {"fields": [{"a": "up"}]}}`, "direction"},
		{`{"index": {"fields": [{"a": "asc", "b": "asc"}]}}`, "sort field"},
		{`{"index": {"fields": ["a..b"]}}`, "a..b"},
		{`{"index": {"fields": ["a"]}, "type": "text"}`, "text"},
		{`{"index": {"fields": ["a"], "partial_filter_selector": {"a": {"$nope": 1}}}}`, "$nope"},
		{`{"index": {"fields": ["a"]}, "ddoc": 5}`, "index request"},
	}
	for _, tt := range tests {
		_, err := ParseIndexRequest(json.RawMessage(tt.body))
		if !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("ParseIndexRequest(%s) = %v, want ErrBadQuery mentioning %q", tt.body, err, tt.mention)
		}
	}
}

func TestIndexJSONRoundTrip(t *testing.T) {
	ix, err := ParseIndexRequest(json.RawMessage(`{"index": {"fields": ["a.b", "c"], "partial_filter_selector": {"x": {"$gt": 1}}}, "ddoc": "_design/d", "name": "n"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(ix)
	if err != nil {
		t.Fatal(err)
	}
	var back IndexDef
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.DDoc != ix.DDoc || back.Name != ix.Name || back.Signature() != ix.Signature() {
		t.Errorf("round trip: %s gave %+v", b, back)
	}
	info, _ := json.Marshal(ix.Info())
	want := `{"ddoc":"_design/d","def":{"fields":[{"a.b":"asc"},{"c":"asc"}],"partial_filter_selector":{"x":{"$gt":1}}},"name":"n","partitioned":false,"type":"json"}`
	if string(info) != want {
		t.Errorf("Info = %s\nwant   %s", info, want)
	}
}

func TestIndexKey(t *testing.T) {
	pf := mustSelector(t, `{"trashed": {"$ne": true}}`)
	ix := IndexDef{DDoc: "_design/x", Name: "x", Fields: []SortField{{Field: "dir"}, {Field: "meta.date"}}}
	withFilter := ix
	withFilter.PartialFilter = &pf
	tests := []struct {
		name   string
		ix     IndexDef
		doc    string
		ok     bool
		expect []byte
	}{
		{"both fields", ix, `{"dir": "/a", "meta": {"date": 3}, "trashed": false}`, true, enc("/a", 3.0)},
		{"null counts as present", ix, `{"dir": null, "meta": {"date": "x"}}`, true, enc(nil, "x")},
		{"missing nested field", ix, `{"dir": "/a", "meta": {}}`, false, nil},
		{"missing first field", ix, `{"meta": {"date": 1}}`, false, nil},
		{"partial filter passes", withFilter, `{"dir": "/a", "meta": {"date": 1}, "trashed": false}`, true, enc("/a", 1.0)},
		{"partial filter fails", withFilter, `{"dir": "/a", "meta": {"date": 1}, "trashed": true}`, false, nil},
		{"no fields", IndexDef{}, `{"a": 1}`, true, []byte{}},
		{"no fields, partial filter fails", IndexDef{PartialFilter: withFilter.PartialFilter}, `{"trashed": true}`, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := decodeJSON([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			key, ok := tt.ix.Key(v.(map[string]any))
			if ok != tt.ok || !bytes.Equal(key, tt.expect) {
				t.Errorf("Key = %x, %v; want %x, %v", key, ok, tt.expect, tt.ok)
			}
		})
	}
}

// TestIndexForms: the index forms CouchDB accepts, as cozy-client writes
// them. Before, "fields": [] with a partial filter was refused (400).
func TestIndexForms(t *testing.T) {
	// cozy-client, for a query whose selector is the partial filter.
	ix, err := ParseIndexRequest(json.RawMessage(`{"index": {"fields": [], "partial_filter_selector": {"trashed": false}}, "ddoc": "by_nothing"}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.Fields) != 0 || ix.PartialFilter == nil || ix.DDoc != "_design/by_nothing" {
		t.Fatalf("parsed %+v", ix)
	}
	if _, ok := ix.Key(map[string]any{"trashed": false}); !ok {
		t.Fatal("a document passing the filter is not in the index")
	}
	// Read back from its persisted form.
	b, _ := json.Marshal(ix)
	var back IndexDef
	if err := json.Unmarshal(b, &back); err != nil || back.Signature() != ix.Signature() {
		t.Fatalf("round trip: %v %s", err, b)
	}
	// It serves a query naming it, whatever the selector.
	q, err := ParseQuery(json.RawMessage(`{"selector": {"trashed": false, "name": {"$gt": null}}, "use_index": "_design/by_nothing"}`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Plan(q, []IndexDef{ix})
	if err != nil || p.Index.DDoc != ix.DDoc || !p.Contains([]byte("any-id")) {
		t.Fatalf("plan: %+v, %v", p, err)
	}
	// The legacy name of the partial filter.
	legacy, err := ParseIndexRequest(json.RawMessage(`{"index": {"fields": ["a"], "selector": {"b": 1}}}`))
	if err != nil || legacy.PartialFilter == nil {
		t.Fatalf("legacy selector: %+v, %v", legacy, err)
	}
	// Directions and "partitioned" as CouchDB writes them.
	if _, err := ParseIndexRequest(json.RawMessage(`{"index": {"fields": [{"a": "desc"}, {"b": "desc"}]}, "type": "json", "partitioned": false}`)); err != nil {
		t.Fatal(err)
	}
}
