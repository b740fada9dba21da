package mango

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"sort"
	"strconv"

	"github.com/dlclark/regexp2/v2"
)

// Selector is a parsed and normalised Mango selector. The zero Selector, like
// the JSON selector {}, matches every document. A Selector is immutable and
// safe for concurrent use.
type Selector struct {
	root *node           // nil: match all
	raw  json.RawMessage // canonical JSON of the selector as given
}

type nodeKind uint8

const (
	kindConst nodeKind = iota // matches val
	kindAnd                   // all children (at least one)
	kindOr                    // any child (at least one)
	kindField                 // cond on the value at path
)

// node is one element of a normalised selector tree.
type node struct {
	kind     nodeKind
	val      bool
	children []*node
	path     []string // kindField; empty inside $elemMatch means the element
	cond     *cond
}

// cond is one operator applied to a field value.
type cond struct {
	op    string
	arg   any             // comparisons, $type (string), $beginsWith (string)
	args  []any           // $in, $nin, $all
	re    *regexp2.Regexp // $regex
	sub   *node           // $elemMatch, $allMatch, $keyMapMatch (nil: all)
	inner *cond           // $not
	n     int64           // $size; $mod divisor
	r     int64           // $mod remainder
	b     bool            // $exists
}

// ParseSelector parses a JSON selector object. Errors wrap ErrBadQuery and
// name the offending operator or field.
func ParseSelector(raw json.RawMessage) (Selector, error) {
	v, err := decodeJSON(raw)
	if err != nil {
		return Selector{}, badf("selector: %v", err)
	}
	return selectorFromValue(v)
}

// selectorFromValue builds a Selector from a value decoded with UseNumber.
func selectorFromValue(v any) (Selector, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Selector{}, badf("selector must be a JSON object")
	}
	canon, err := json.Marshal(m)
	if err != nil {
		return Selector{}, badf("selector: %v", err)
	}
	if len(m) == 0 {
		return Selector{raw: canon}, nil
	}
	root, err := parseObject(m, nil, false)
	if err != nil {
		return Selector{}, err
	}
	return Selector{root: root, raw: canon}, nil
}

// decodeJSON decodes exactly one JSON value, numbers as json.Number.
func decodeJSON(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after JSON value")
	}
	return v, nil
}

// MarshalJSON returns the selector as canonical JSON ({} for the zero value).
func (s Selector) MarshalJSON() ([]byte, error) {
	if len(s.raw) == 0 {
		return []byte("{}"), nil
	}
	return append([]byte(nil), s.raw...), nil
}

// UnmarshalJSON parses a selector, as ParseSelector does.
func (s *Selector) UnmarshalJSON(b []byte) error {
	p, err := ParseSelector(b)
	if err != nil {
		return err
	}
	*s = p
	return nil
}

// String returns the canonical JSON text of the selector.
func (s Selector) String() string {
	b, _ := s.MarshalJSON()
	return string(b)
}

// IsEmpty reports whether the selector matches everything without condition.
func (s Selector) IsEmpty() bool {
	return s.root == nil || (s.root.kind == kindConst && s.root.val)
}

func constNode(b bool) *node { return &node{kind: kindConst, val: b} }

func andNode(children []*node) *node {
	switch len(children) {
	case 0:
		return constNode(true)
	case 1:
		return children[0]
	}
	return &node{kind: kindAnd, children: children}
}

func orNode(children []*node) *node {
	switch len(children) {
	case 0:
		return constNode(true) // CouchDB: {"$or": []} matches everything
	case 1:
		return children[0]
	}
	return &node{kind: kindOr, children: children}
}

// parseObject parses a selector object applying to path. elem is true at the
// root of an $elemMatch-like argument, where conditions may omit the field.
func parseObject(m map[string]any, path []string, elem bool) (*node, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	children := make([]*node, 0, len(keys))
	for _, k := range keys {
		n, err := parseEntry(k, m[k], path, elem)
		if err != nil {
			return nil, err
		}
		children = append(children, n)
	}
	return andNode(children), nil
}

// parseSub parses a value standing where a selector is expected: a non-empty
// object is a sub-selector; anything else is an implicit $eq.
func parseSub(v any, path []string, elem bool) (*node, error) {
	if m, ok := v.(map[string]any); ok {
		if len(m) > 0 {
			return parseObject(m, path, elem)
		}
		if len(path) == 0 {
			return constNode(true), nil
		}
	}
	return fieldNode(path, elem, &cond{op: "$eq", arg: v})
}

func fieldNode(path []string, elem bool, c *cond) (*node, error) {
	if len(path) == 0 && !elem {
		return nil, badf("operator %s must be applied to a field", c.op)
	}
	return &node{kind: kindField, path: path, cond: c}, nil
}

var typeNames = map[string]bool{"null": true, "boolean": true, "number": true, "string": true, "array": true, "object": true}

// parseEntry parses one key/value pair of a selector object.
func parseEntry(k string, v any, path []string, elem bool) (*node, error) {
	if k == "" || k[0] != '$' {
		segs, err := ParseField(k)
		if err != nil {
			return nil, err
		}
		p := make([]string, 0, len(path)+len(segs))
		p = append(append(p, path...), segs...)
		return parseSub(v, p, false)
	}
	switch k {
	case "$and", "$or", "$nor":
		arr, ok := v.([]any)
		if !ok {
			return nil, badf("%s needs an array of selectors", k)
		}
		children := make([]*node, 0, len(arr))
		for _, a := range arr {
			n, err := parseSub(a, path, elem)
			if err != nil {
				return nil, err
			}
			if k == "$nor" {
				n = negate(n)
			}
			children = append(children, n)
		}
		if k == "$or" {
			return orNode(children), nil
		}
		return andNode(children), nil
	case "$not":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, badf("$not needs a selector object")
		}
		n, err := parseSub(m, path, elem)
		if err != nil {
			return nil, err
		}
		return negate(n), nil
	case "$elemMatch", "$allMatch", "$keyMapMatch":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, badf("%s needs a selector object", k)
		}
		sub, err := parseSub(m, nil, true)
		if err != nil {
			return nil, err
		}
		return fieldNode(path, elem, &cond{op: k, sub: sub})
	case "$eq", "$ne", "$lt", "$lte", "$gt", "$gte":
		return fieldNode(path, elem, &cond{op: k, arg: v})
	case "$in", "$nin", "$all":
		arr, ok := v.([]any)
		if !ok {
			return nil, badf("%s needs an array", k)
		}
		return fieldNode(path, elem, &cond{op: k, args: arr})
	case "$exists":
		b, ok := v.(bool)
		if !ok {
			return nil, badf("$exists needs a boolean")
		}
		return fieldNode(path, elem, &cond{op: k, b: b})
	case "$type":
		s, ok := v.(string)
		if !ok || !typeNames[s] {
			return nil, badf(`$type needs one of "null", "boolean", "number", "string", "array", "object"`)
		}
		return fieldNode(path, elem, &cond{op: k, arg: s})
	case "$regex":
		s, ok := v.(string)
		if !ok {
			return nil, badf("$regex needs a string")
		}
		re, err := compileRegex(s)
		if err != nil {
			return nil, err
		}
		return fieldNode(path, elem, &cond{op: k, re: re})
	case "$beginsWith":
		s, ok := v.(string)
		if !ok {
			return nil, badf("$beginsWith needs a string")
		}
		return fieldNode(path, elem, &cond{op: k, arg: s})
	case "$size":
		n, ok := integer(v)
		if !ok || n < 0 {
			return nil, badf("$size needs a non-negative integer")
		}
		return fieldNode(path, elem, &cond{op: k, n: n})
	case "$mod":
		arr, ok := v.([]any)
		if !ok || len(arr) != 2 {
			return nil, badf("$mod needs [divisor, remainder]")
		}
		d, ok1 := integer(arr[0])
		r, ok2 := integer(arr[1])
		if !ok1 || !ok2 {
			return nil, badf("$mod needs integer divisor and remainder")
		}
		if d == 0 {
			return nil, badf("$mod divisor must not be 0")
		}
		return fieldNode(path, elem, &cond{op: k, n: d, r: r})
	case "$text":
		return nil, badf("$text is not supported: no text indexes")
	case "$where", "$geoWithin", "$geoIntersects", "$near", "$nearSphere":
		return nil, badf("operator %s is not supported", k)
	}
	return nil, badf("unknown operator %s", k)
}

// integer returns v as an int64 when it is an integral JSON number. A
// json.Number must be written as an integer ("5", not "5.0"), as CouchDB's
// JSON decoder distinguishes them; a float64 only needs an integral value.
func integer(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		return n, err == nil
	case float64:
		if x != math.Trunc(x) || math.Abs(x) >= 1<<63 {
			return 0, false
		}
		return int64(x), true
	case int:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}

// negate returns the negation of n with the negation pushed down to the
// conditions, as CouchDB's normaliser does.
func negate(n *node) *node {
	switch n.kind {
	case kindConst:
		return constNode(!n.val)
	case kindAnd, kindOr:
		children := make([]*node, len(n.children))
		for i, c := range n.children {
			children[i] = negate(c)
		}
		if n.kind == kindAnd {
			return orNode(children)
		}
		return andNode(children)
	}
	return &node{kind: kindField, path: n.path, cond: negateCond(n.cond)}
}

var opposite = map[string]string{
	"$lt": "$gte", "$gte": "$lt", "$lte": "$gt", "$gt": "$lte",
	"$eq": "$ne", "$ne": "$eq", "$in": "$nin", "$nin": "$in",
}

func negateCond(c *cond) *cond {
	if o, ok := opposite[c.op]; ok {
		nc := *c
		nc.op = o
		return &nc
	}
	switch c.op {
	case "$exists":
		return &cond{op: "$exists", b: !c.b}
	case "$not":
		return c.inner
	}
	return &cond{op: "$not", inner: c}
}
