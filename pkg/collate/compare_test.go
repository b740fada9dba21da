package collate

import (
	"encoding/json"
	"math"
	"testing"
)

// ordered lists values in strictly increasing collation order.
var ordered = []any{
	nil,
	false,
	true,
	math.Inf(-1),
	-1e300,
	json.Number("-2"),
	-1.5,
	0.0,
	json.Number("1"),
	2.0,
	json.Number("3.5"),
	1e300,
	"",
	" ",
	"_",
	"~",
	"0",
	"9",
	"a",
	"A",
	"á",
	"aa",
	"Aa",
	"AA",
	"b",
	"B",
	"ba",
	"bb",
	"é",
	"z",
	"Ω",
	[]any{},
	[]any{nil},
	[]any{false},
	[]any{json.Number("1")},
	[]any{"a"},
	[]any{"b"},
	[]any{"b", "c"},
	[]any{"b", "c", "a"},
	[]any{"b", "d"},
	[]any{"b", "d", "e"},
	[]any{[]any{}},
	map[string]any{},
	map[string]any{"a": json.Number("1")},
	map[string]any{"a": 2.0},
	map[string]any{"a": 2.0, "b": nil},
	map[string]any{"b": 1.0},
	map[string]any{"b": 2.0},
}

func TestCompareOrderedTable(t *testing.T) {
	for i := range ordered {
		for j := range ordered {
			want := cmpInt(i, j)
			if got := Compare(ordered[i], ordered[j]); got != want {
				t.Errorf("Compare(%#v, %#v) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

func TestCompareEquivalences(t *testing.T) {
	tests := []struct {
		name string
		a, b any
	}{
		{"json.Number vs float64", json.Number("1"), 1.0},
		{"exponent form", json.Number("1e2"), json.Number("100")},
		{"negative zero", math.Copysign(0, -1), 0.0},
		{"int types", 3, json.Number("3.0")},
		{"same string", "héllo", "héllo"},
		{"nested", []any{map[string]any{"x": json.Number("1")}}, []any{map[string]any{"x": 1.0}}},
		{"bad number counts as zero", json.Number("oops"), 0.0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c := Compare(tt.a, tt.b); c != 0 {
				t.Errorf("Compare = %d, want 0", c)
			}
		})
	}
}

func TestCompareUnknownTypeDoesNotPanic(t *testing.T) {
	type weird struct{}
	if c := Compare(weird{}, nil); c != 0 {
		t.Errorf("unknown type should rank as null, got %d", c)
	}
	if c := Compare(weird{}, false); c != -1 {
		t.Errorf("unknown type should sort before false, got %d", c)
	}
}

func TestNumber(t *testing.T) {
	tests := []struct {
		in   any
		want float64
		ok   bool
	}{
		{json.Number("12.5"), 12.5, true},
		{json.Number("1e400"), math.Inf(1), true},
		{json.Number("-1e400"), math.Inf(-1), true},
		{float32(2), 2, true},
		{int64(-7), -7, true},
		{uint(7), 7, true},
		{"12", 0, false},
		{nil, 0, false},
	}
	for _, tt := range tests {
		got, ok := Number(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("Number(%#v) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
