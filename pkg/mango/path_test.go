package mango

import (
	"reflect"
	"testing"
)

func TestLookup(t *testing.T) {
	doc := map[string]any{
		"a":   map[string]any{"b": []any{"x", map[string]any{"c": 1.0}}},
		"a.b": "literal",
		"n":   nil,
	}
	tests := []struct {
		path  []string
		want  any
		found bool
	}{
		{[]string{"a", "b", "0"}, "x", true},
		{[]string{"a", "b", "1", "c"}, 1.0, true},
		{[]string{"a", "b", "2"}, nil, false},
		{[]string{"a", "b", "-1"}, nil, false},
		{[]string{"a", "b", "x"}, nil, false},
		{[]string{"a.b"}, "literal", true},
		{[]string{"n"}, nil, true},
		{[]string{"n", "deeper"}, nil, false},
		{[]string{"missing"}, nil, false},
		{nil, doc, true},
	}
	for _, tt := range tests {
		got, found := lookup(doc, tt.path)
		if found != tt.found || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("lookup(%q) = %v, %v; want %v, %v", tt.path, got, found, tt.want, tt.found)
		}
	}
}
