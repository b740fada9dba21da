package collate

import (
	"bytes"
	"testing"
)

func TestCompareStringsICU(t *testing.T) {
	// Expectations from CouchDB's documented ICU behaviour (couchdb-quirks.md).
	tests := []struct {
		a, b string
		want int
	}{
		{"a", "A", -1},
		{"A", "aa", -1},
		{"a", "AA", -1},
		{"aa", "b", -1},
		{"b", "B", -1},
		{"~", "0", -1}, // symbols before digits
		{"~", "a", -1}, // even the "high" ASCII symbols
		{"9", "a", -1},
		{"abc", "abc", 0},
		{"", "a", -1},
		{"résumé", "resume", 1}, // accents matter at the secondary level
		{"Z", "a", 1},
	}
	for _, tt := range tests {
		if got := CompareStrings(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareStrings(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := -CompareStrings(tt.b, tt.a); got != tt.want {
			t.Errorf("CompareStrings(%q, %q) not antisymmetric", tt.b, tt.a)
		}
	}
}

func TestSortKeyAppends(t *testing.T) {
	prefix := []byte("pre")
	k := SortKey(append([]byte(nil), prefix...), "a")
	if !bytes.HasPrefix(k, prefix) || len(k) <= len(prefix) {
		t.Fatalf("SortKey did not append: %q", k)
	}
}

func FuzzCompareStrings(f *testing.F) {
	for _, s := range []string{"", "a", "A", "aa", "\x00", "é", "e\u0301", "~"} {
		f.Add(s, "b")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		c := CompareStrings(a, b)
		e := bytes.Compare(EncodeKey(nil, a), EncodeKey(nil, b))
		if c != e {
			t.Fatalf("CompareStrings(%q,%q)=%d but encodings compare %d", a, b, c, e)
		}
		if CompareStrings(b, a) != -c {
			t.Fatalf("not antisymmetric for %q, %q", a, b)
		}
	})
}
