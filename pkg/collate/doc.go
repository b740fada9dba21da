// Package collate implements CouchDB's view collation for decoded JSON values
// and an order-preserving binary encoding of those values, suitable for keys
// of an ordered key/value store such as bbolt.
//
// # Order
//
// Values sort by type first, then by value:
//
//	null < false < true < numbers < strings < arrays < objects
//
// Numbers compare by value with float64 semantics (json.Number values are
// converted with strconv.ParseFloat; -0 equals 0). Strings compare with the
// Unicode Collation Algorithm using the CLDR root collation of
// golang.org/x/text/collate, which approximates the ICU root collation used
// by CouchDB: "a" < "A" < "aa" < "b" < "B", punctuation before digits before
// letters. Arrays compare element by element, a shorter array first when it is
// a prefix of the longer one. Objects compare key/value pair by pair, then by
// size.
//
// # Encoding
//
// EncodeKey appends a byte string such that bytes.Compare on two encodings
// has the sign of Compare on the values. Encodings are prefix-free: no
// encoding is a proper prefix of another, so encodings can be concatenated to
// build composite keys (an index key followed by a document id, say) while
// keeping the order of the first component.
//
// # Limits
//
//   - Integers beyond 2^53 lose precision (float64 semantics), as they do in
//     CouchDB's JavaScript views; the stored document keeps the exact text.
//   - Go maps have no key order, so objects are compared with their keys
//     taken in byte order, not in document order as CouchDB does.
//   - Strings that the collation considers equal (for example differing only
//     by completely ignorable code points) compare as equal and encode alike.
//   - String sort keys come from golang.org/x/text/collate, whose tables may
//     differ from a given ICU release in rare corners.
package collate
