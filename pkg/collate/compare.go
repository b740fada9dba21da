package collate

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
)

// Type ranks in collation order. They are also the tag bytes of EncodeKey.
const (
	rankNull   = 1
	rankFalse  = 2
	rankTrue   = 3
	rankNumber = 4
	rankString = 5
	rankArray  = 6
	rankObject = 7
)

// rank returns the collation rank of a decoded JSON value. Unknown Go types
// rank as null so that nothing panics on unexpected input.
func rank(v any) int {
	switch x := v.(type) {
	case nil:
		return rankNull
	case bool:
		if x {
			return rankTrue
		}
		return rankFalse
	case json.Number, float64, float32, int, int64, int32, uint, uint64, uint32:
		return rankNumber
	case string:
		return rankString
	case []any:
		return rankArray
	case map[string]any:
		return rankObject
	default:
		return rankNull
	}
}

// Number converts a decoded JSON number to float64. It reports false when v
// is not a number. A json.Number that does not parse counts as 0; one out of
// range counts as ±Inf; -0 is returned as 0.
func Number(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case json.Number:
		p, err := strconv.ParseFloat(string(x), 64)
		if err != nil && !math.IsInf(p, 0) {
			p = 0
		}
		f = p
	case float64:
		f = x
	case float32:
		f = float64(x)
	case int:
		f = float64(x)
	case int64:
		f = float64(x)
	case int32:
		f = float64(x)
	case uint:
		f = float64(x)
	case uint64:
		f = float64(x)
	case uint32:
		f = float64(x)
	default:
		return 0, false
	}
	if f == 0 || math.IsNaN(f) {
		f = 0 // fold -0 and NaN (never produced by JSON) into 0
	}
	return f, true
}

// Compare returns -1, 0 or +1 as a sorts before, equal to or after b in
// CouchDB view collation. a and b are decoded JSON values: nil, bool,
// float64 or json.Number (other Go numeric types are accepted too), string,
// []any and map[string]any.
func Compare(a, b any) int {
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return cmpInt(ra, rb)
	}
	switch ra {
	case rankNumber:
		fa, _ := Number(a)
		fb, _ := Number(b)
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return 0
	case rankString:
		return CompareStrings(a.(string), b.(string))
	case rankArray:
		xa, xb := a.([]any), b.([]any)
		for i := 0; i < len(xa) && i < len(xb); i++ {
			if c := Compare(xa[i], xb[i]); c != 0 {
				return c
			}
		}
		return cmpInt(len(xa), len(xb))
	case rankObject:
		ma, mb := a.(map[string]any), b.(map[string]any)
		ka, kb := sortedKeys(ma), sortedKeys(mb)
		for i := 0; i < len(ka) && i < len(kb); i++ {
			if c := CompareStrings(ka[i], kb[i]); c != 0 {
				return c
			}
			if c := Compare(ma[ka[i]], mb[kb[i]]); c != 0 {
				return c
			}
		}
		return cmpInt(len(ka), len(kb))
	}
	return 0
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sortedKeys returns the keys of m in byte order: the order in which objects
// are compared and encoded.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
