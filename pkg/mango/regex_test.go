package mango

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestRegexPCRE: $regex follows CouchDB's PCRE, not Go's RE2. Before, the
// negative lookahead Drive sends to leave out the trash was refused (400:
// not a valid RE2 expression).
func TestRegexPCRE(t *testing.T) {
	cases := []struct {
		re    string
		value string
		want  bool
	}{
		{`^(?!/.cozy_trash)`, "/Documents/a.txt", true},
		{`^(?!/.cozy_trash)`, "/.cozy_trash/a.txt", false},
		{`^(\w)\w*\1$`, "abca", true}, // backreference
		{`^(\w)\w*\1$`, "abcd", false},
		{`foo(?=bar)`, "foobar", true},
		{`(?<!x)y`, "xy", false},
		{`(?i)^c`, "Cat", true},
		{`a.c`, "a\nc", false}, // dot does not match a newline, as in PCRE
		{`^a$`, "a\n", true},   // $ before a final newline, as in PCRE
	}
	for _, c := range cases {
		sel, err := ParseSelector([]byte(`{"path": {"$regex": ` + quote(c.re) + `}}`))
		if err != nil {
			t.Fatalf("%s: %v", c.re, err)
		}
		if got := sel.Match(map[string]any{"path": c.value}); got != c.want {
			t.Errorf("%s on %q: %v, want %v", c.re, c.value, got, c.want)
		}
	}
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// TestRegexTimeout: a catastrophic pattern ends within its timeout and
// counts as no match.
func TestRegexTimeout(t *testing.T) {
	sel, err := ParseSelector([]byte(`{"s": {"$regex": "^(a+)+$"}}`))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if sel.Match(map[string]any{"s": strings.Repeat("a", 40) + "!"}) {
		t.Fatal("matched")
	}
	if d := time.Since(start); d > 20*RegexTimeout {
		t.Fatalf("took %v", d)
	}
}

func TestRegexInvalid(t *testing.T) {
	for _, re := range []string{`(`, `[a-`, strings.Repeat("a", maxRegexLen+1)} {
		if _, err := ParseSelector([]byte(`{"s": {"$regex": ` + quote(re) + `}}`)); !errors.Is(err, ErrBadQuery) {
			t.Errorf("%.20s: %v, want ErrBadQuery", re, err)
		}
	}
}
