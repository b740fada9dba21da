package mango

import (
	"strconv"
	"strings"
)

// ParseField splits a Mango field name into path segments. Dots separate
// segments and "\." stands for a literal dot; other backslashes are kept.
// Empty names and empty segments are rejected.
func ParseField(name string) ([]string, error) {
	if name == "" {
		return nil, badf("empty field name")
	}
	var segs []string
	var cur strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '\\' && i+1 < len(name) && name[i+1] == '.':
			cur.WriteByte('.')
			i++
		case c == '.':
			segs = append(segs, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	segs = append(segs, cur.String())
	for _, s := range segs {
		if s == "" {
			return nil, badf("invalid field name %q: empty path segment", name)
		}
	}
	return segs, nil
}

// fieldName is the canonical text of a path: segments joined by dots, with
// dots inside segments escaped. Two names denote the same field exactly when
// their canonical texts are equal.
func fieldName(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = strings.ReplaceAll(p, ".", `\.`)
	}
	return strings.Join(parts, ".")
}

// lookup walks path from v through objects and, for numeric segments, arrays.
func lookup(v any, path []string) (any, bool) {
	for _, seg := range path {
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[seg]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}
