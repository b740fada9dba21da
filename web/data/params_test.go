package data

import "testing"

func TestParseSeq(t *testing.T) {
	for in, want := range map[string]uint64{``: 0, `12`: 12, `"12"`: 12, `12-g1AAAA`: 12, `"7-x"`: 7} {
		if got, err := parseSeq(in); err != nil || got != want {
			t.Errorf("parseSeq(%q) = %d, %v, want %d", in, got, err, want)
		}
	}
	for _, in := range []string{`abc`, `-1`, `1.5`} {
		if _, err := parseSeq(in); err == nil {
			t.Errorf("parseSeq(%q) accepted", in)
		}
	}
}
