package collate

// Encoding layout, one tag byte per value (the type rank) then:
//
//	null, false, true: nothing
//	number:            8 bytes, big-endian float64 bits with the sign bit
//	                   flipped (positives) or all bits flipped (negatives)
//	string:            UCA sort key, 0x00 escaped as 0x00 0xFF, then 0x00 0x01
//	array:             the elements' encodings, then 0x00
//	object:            for each key in byte order the key encoded as a string
//	                   and the value's encoding, then 0x00
//
// Tags are never 0x00 or 0xFF, which keeps the terminators below any element
// and lets Successor always find a successor.

import "math"

// EncodeKey appends the order-preserving, prefix-free encoding of v to dst
// and returns the extended slice. For any values a and b,
// bytes.Compare(EncodeKey(nil, a), EncodeKey(nil, b)) == Compare(a, b).
func EncodeKey(dst []byte, v any) []byte {
	r := rank(v)
	dst = append(dst, byte(r))
	switch r {
	case rankNumber:
		f, _ := Number(v)
		bits := math.Float64bits(f)
		if bits&(1<<63) != 0 {
			bits = ^bits
		} else {
			bits |= 1 << 63
		}
		dst = append(dst, byte(bits>>56), byte(bits>>48), byte(bits>>40), byte(bits>>32),
			byte(bits>>24), byte(bits>>16), byte(bits>>8), byte(bits))
	case rankString:
		dst = appendString(dst, v.(string))
	case rankArray:
		for _, e := range v.([]any) {
			dst = EncodeKey(dst, e)
		}
		dst = append(dst, 0x00)
	case rankObject:
		m := v.(map[string]any)
		for _, k := range sortedKeys(m) {
			dst = append(dst, rankString)
			dst = appendString(dst, k)
			dst = EncodeKey(dst, m[k])
		}
		dst = append(dst, 0x00)
	}
	return dst
}

// appendString appends the escaped sort key of s and its terminator.
func appendString(dst []byte, s string) []byte {
	start := len(dst)
	dst = SortKey(dst, s)
	// Escape in place from the end: count zeros first.
	zeros := 0
	for _, c := range dst[start:] {
		if c == 0x00 {
			zeros++
		}
	}
	if zeros > 0 {
		n := len(dst)
		for i := 0; i < zeros; i++ {
			dst = append(dst, 0)
		}
		j := len(dst) - 1
		for i := n - 1; i >= start; i-- {
			if dst[i] == 0x00 {
				dst[j] = 0xFF
				dst[j-1] = 0x00
				j -= 2
			} else {
				dst[j] = dst[i]
				j--
			}
		}
	}
	return append(dst, 0x00, 0x01)
}

// Successor returns the smallest byte string that is greater than every
// string having prefix p, or nil when there is none (p empty or all 0xFF).
// With prefix-free encodings, Successor(EncodeKey(nil, v)) is an exclusive
// upper bound for all composite keys that start with v.
func Successor(p []byte) []byte {
	out := append([]byte(nil), p...)
	for i := len(out) - 1; i >= 0; i-- {
		if out[i] != 0xFF {
			out[i]++
			return out[:i+1]
		}
	}
	return nil
}
