package collate

import (
	"bytes"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// A collate.Collator is not safe for concurrent use; keep a pool of them.
var collators = sync.Pool{New: func() any {
	return &collatorBuf{c: collate.New(language.Und)}
}}

type collatorBuf struct {
	c   *collate.Collator
	buf collate.Buffer
}

// SortKey appends to dst the raw UCA sort key of s (root collation, tertiary
// strength). Raw keys compare with bytes.Compare but may contain 0x00 bytes
// and are not prefix-free; EncodeKey escapes them.
func SortKey(dst []byte, s string) []byte {
	cb := collators.Get().(*collatorBuf)
	k := cb.c.KeyFromString(&cb.buf, s)
	dst = append(dst, k...)
	cb.buf.Reset()
	collators.Put(cb)
	return dst
}

// CompareStrings compares two strings with the collation used by Compare and
// EncodeKey. Its result always agrees with the order of their encodings.
func CompareStrings(a, b string) int {
	if a == b {
		return 0
	}
	cb := collators.Get().(*collatorBuf)
	ka := cb.c.KeyFromString(&cb.buf, a)
	kb := cb.c.KeyFromString(&cb.buf, b)
	c := bytes.Compare(ka, kb)
	cb.buf.Reset()
	collators.Put(cb)
	return c
}
