package mango

import (
	"strings"

	"github.com/cozypi/cozy/pkg/collate"
)

// Match reports whether doc, a decoded JSON object (numbers as json.Number or
// float64), satisfies the selector.
func (s Selector) Match(doc map[string]any) bool {
	if s.root == nil {
		return true
	}
	return matchNode(s.root, doc)
}

func matchNode(n *node, v any) bool {
	switch n.kind {
	case kindConst:
		return n.val
	case kindAnd:
		for _, c := range n.children {
			if !matchNode(c, v) {
				return false
			}
		}
		return true
	case kindOr:
		for _, c := range n.children {
			if matchNode(c, v) {
				return true
			}
		}
		return false
	}
	val, found := lookup(v, n.path)
	if !found {
		return n.cond.op == "$exists" && !n.cond.b
	}
	cmp := collate.Compare
	if len(n.path) == 1 && n.path[0] == "_id" {
		cmp = compareRaw
	}
	return matchCond(n.cond, val, cmp)
}

// compareRaw orders strings by bytes and anything else by collation; CouchDB
// uses it for "_id", whose primary index is in raw order.
func compareRaw(a, b any) int {
	sa, okA := a.(string)
	sb, okB := b.(string)
	if okA && okB {
		return strings.Compare(sa, sb)
	}
	return collate.Compare(a, b)
}

func matchCond(c *cond, v any, cmp func(a, b any) int) bool {
	switch c.op {
	case "$eq":
		return cmp(v, c.arg) == 0
	case "$ne":
		return cmp(v, c.arg) != 0
	case "$lt":
		return cmp(v, c.arg) < 0
	case "$lte":
		return cmp(v, c.arg) <= 0
	case "$gt":
		return cmp(v, c.arg) > 0
	case "$gte":
		return cmp(v, c.arg) >= 0
	case "$in":
		return in(v, c.args, cmp)
	case "$nin":
		if len(c.args) == 0 {
			return true
		}
		return !in(v, c.args, cmp)
	case "$exists":
		return c.b
	case "$type":
		return typeOf(v) == c.arg
	case "$regex":
		s, ok := v.(string)
		return ok && matchRegex(c.re, s)
	case "$beginsWith":
		s, ok := v.(string)
		return ok && strings.HasPrefix(s, c.arg.(string))
	case "$size":
		arr, ok := v.([]any)
		return ok && int64(len(arr)) == c.n
	case "$mod":
		i, ok := integer(v)
		return ok && i%c.n == c.r
	case "$all":
		return all(v, c.args, cmp)
	case "$elemMatch":
		arr, ok := v.([]any)
		if !ok {
			return false
		}
		for _, e := range arr {
			if matchSub(c.sub, e) {
				return true
			}
		}
		return false
	case "$allMatch":
		arr, ok := v.([]any)
		if !ok || len(arr) == 0 {
			return false
		}
		for _, e := range arr {
			if !matchSub(c.sub, e) {
				return false
			}
		}
		return true
	case "$keyMapMatch":
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		for k := range m {
			if matchSub(c.sub, k) {
				return true
			}
		}
		return false
	case "$not":
		return !matchCond(c.inner, v, cmp)
	}
	return false
}

func matchSub(sub *node, v any) bool {
	return sub == nil || matchNode(sub, v)
}

// in implements $in: with an array value, any element equal to any argument.
func in(v any, args []any, cmp func(a, b any) int) bool {
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			for _, a := range args {
				if cmp(e, a) == 0 {
					return true
				}
			}
		}
		return false
	}
	for _, a := range args {
		if cmp(v, a) == 0 {
			return true
		}
	}
	return false
}

// all implements $all: the value is an array holding every argument, or the
// only argument is an array equal to the value.
func all(v any, args []any, cmp func(a, b any) int) bool {
	arr, ok := v.([]any)
	if !ok || len(args) == 0 {
		return false
	}
	if len(args) == 1 {
		if inner, ok := args[0].([]any); ok && cmp(inner, arr) == 0 {
			return true
		}
	}
	for _, a := range args {
		found := false
		for _, e := range arr {
			if cmp(e, a) == 0 {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// typeOf names the JSON type of v as $type does.
func typeOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	if _, ok := collate.Number(v); ok {
		return "number"
	}
	return "null"
}
