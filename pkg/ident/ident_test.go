package ident

import (
	"regexp"
	"strings"
	"testing"
)

func TestForms(t *testing.T) {
	cases := map[string]struct {
		got  func() string
		form string
	}{
		"doc id": {DocID, `^[0-9a-f]{32}$`},
		"uuid":   {UUID, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`},
		"hex":    {func() string { return Hex(8) }, `^[0-9a-f]{16}$`},
		"token":  {func() string { return Token(32) }, `^[A-Za-z0-9_-]{43}$`},
		"code":   {func() string { return Code(12, "abc") }, `^[abc]{12}$`},
	}
	for name, c := range cases {
		re := regexp.MustCompile(c.form)
		seen := map[string]bool{}
		for range 1000 {
			v := c.got()
			if !re.MatchString(v) {
				t.Fatalf("%s: %q does not match %s", name, v, c.form)
			}
			if name != "code" && seen[v] {
				t.Fatalf("%s: %q drawn twice", name, v)
			}
			seen[v] = true
		}
	}
}

func TestCodeUsesWholeAlphabet(t *testing.T) {
	const alphabet = "0123456789"
	s := Code(10000, alphabet)
	for _, r := range alphabet {
		if !strings.ContainsRune(s, r) {
			t.Fatalf("%q never drawn in 10000", r)
		}
	}
}
