package mango

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseQuery(t *testing.T) {
	q, err := ParseQuery(json.RawMessage(`{
		"selector": {"calendar": "perso", "date": {"$gt": "20161001T00:00:00"}},
		"limit": 2, "skip": 3,
		"sort": [{"calendar": "desc"}, {"date": "desc"}],
		"fields": ["_id", "_type", "date"],
		"execution_stats": true,
		"use_index": "_design/a5f4711fc9448864a13c81dc71e660b524d7410c",
		"r": 1, "conflicts": false, "unknown": "ignored"}`))
	if err != nil {
		t.Fatal(err)
	}
	if q.Limit != 2 || q.Skip != 3 || !q.ExecutionStats {
		t.Errorf("limit/skip/stats = %d/%d/%v", q.Limit, q.Skip, q.ExecutionStats)
	}
	if !reflect.DeepEqual(q.Sort, []SortField{{"calendar", true}, {"date", true}}) {
		t.Errorf("sort = %v", q.Sort)
	}
	if !reflect.DeepEqual(q.Fields, []string{"_id", "_type", "date"}) {
		t.Errorf("fields = %v", q.Fields)
	}
	if !reflect.DeepEqual(q.UseIndex, []string{"_design/a5f4711fc9448864a13c81dc71e660b524d7410c"}) {
		t.Errorf("use_index = %v", q.UseIndex)
	}
	if !q.Selector.Match(map[string]any{"calendar": "perso", "date": "20161023T160000Z"}) {
		t.Error("selector should match")
	}
}

func TestParseQueryDefaults(t *testing.T) {
	tests := []struct {
		body  string
		limit int
	}{
		{`{"selector": {}}`, DefaultLimit},
		{`{"selector": {}, "limit": 0}`, 0},
		{`{"selector": {}, "limit": 1000}`, 1000},
		{`{"selector": {}, "limit": 1001}`, DefaultLimit},
		{`{"selector": {}, "limit": 5, "bookmark": "nil"}`, 5},
	}
	for _, tt := range tests {
		q, err := ParseQuery(json.RawMessage(tt.body))
		if err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		if q.Limit != tt.limit || q.Bookmark != "" || q.UseIndex != nil || q.Sort != nil {
			t.Errorf("%s: %+v", tt.body, q)
		}
	}
}

func TestParseQueryUseIndexForms(t *testing.T) {
	tests := map[string][]string{
		`"ddoc"`:                {"_design/ddoc"},
		`"_design/ddoc/name"`:   {"_design/ddoc", "name"},
		`"ddoc/name"`:           {"_design/ddoc", "name"},
		`["ddoc"]`:              {"_design/ddoc"},
		`["_design/ddoc", "n"]`: {"_design/ddoc", "n"},
		`""`:                    nil,
	}
	for in, want := range tests {
		q, err := ParseQuery(json.RawMessage(`{"selector": {}, "use_index": ` + in + `}`))
		if err != nil || !reflect.DeepEqual(q.UseIndex, want) {
			t.Errorf("use_index %s = %v, %v; want %v", in, q.UseIndex, err, want)
		}
	}
}

func TestParseQueryErrors(t *testing.T) {
	tests := []struct{ body, mention string }{
		{`{}`, "selector"},
		{`{"selector": null}`, "selector"},
		{`{"selector": []}`, "object"},
		{`{"selector": {"a": {"$bad": 1}}}`, "$bad"},
		{`{"selector": {}, "limit": -1}`, "limit"},
		{`{"selector": {}, "limit": 1.5}`, "limit"},
		{`{"selector": {}, "limit": "x"}`, "query"},
		{`{"selector": {}, "skip": -3}`, "skip"},
		{`{"selector": {}, "sort": ["a", {"b": "desc"}]}`, "mixed"},
		{`{"selector": {}, "sort": [{"a": "sideways"}]}`, "direction"},
		{`{"selector": {}, "sort": [3]}`, "sort"},
		{`{"selector": {}, "sort": "a"}`, "query"},
		{`{"selector": {}, "fields": [1]}`, "query"},
		{`{"selector": {}, "fields": ["a..b"]}`, "fields"},
		{`{"selector": {}, "use_index": 5}`, "use_index"},
		{`{"selector": {}, "use_index": ["a", "b", "c"]}`, "use_index"},
		{`{"selector": {}, "use_index": "_design/"}`, "use_index"},
		{`{"selector": {}, "bookmark": "!!!"}`, "bookmark"},
		{`not json`, "query"},
	}
	for _, tt := range tests {
		_, err := ParseQuery(json.RawMessage(tt.body))
		if !errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("ParseQuery(%s) = %v, want ErrBadQuery mentioning %q", tt.body, err, tt.mention)
		}
	}
}
