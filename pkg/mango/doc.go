// Package mango parses and evaluates CouchDB Mango queries: selectors, json
// index definitions (POST _index), _find requests, and the choice of an index
// with its key range (the query plan). It holds no data: a store feeds it
// documents and keeps index entries ordered by IndexDef.Key, which is built
// with package collate.
//
// # Semantics
//
// Selectors are normalised as CouchDB does: implicit $and between keys,
// implicit $eq for bare values, nested objects and dotted paths for sub-fields
// ("a.b", with "\." for a literal dot, and numeric segments indexing arrays),
// $nor turned into $and of negations, and $not pushed down to the conditions
// ($not of $gt becomes $lte, and so on). A condition on a missing field is
// false, except {"$exists": false}; so {"a": {"$ne": 1}} does not match a
// document without "a". Comparison operators use CouchDB view collation across
// types ({"$gt": 5} matches every string); conditions on "_id" compare strings
// by bytes, as CouchDB does.
//
// Plan follows CouchDB 3: an index is usable when every indexed field is
// required by the selector (or appears in the sort), and when the sort is a
// prefix of the index fields after fields fixed by $eq. Among usable indexes
// it keeps the one whose leading fields cover the most range conditions, then
// the one with fewer fields, then the first by design doc and name. Indexes
// with a partial_filter_selector are only considered when named in use_index.
// When no index can serve a query Plan fails with ErrNoUsableIndex, which the
// HTTP layer answers with 400, as cozy-stack does instead of letting CouchDB
// scan all documents.
//
// # Limits
//
//   - $regex runs github.com/dlclark/regexp2 (.NET syntax, which agrees with
//     CouchDB's PCRE on lookaround, backreferences, lazy quantifiers and
//     inline flags; possessive quantifiers and \K are not supported). Each
//     match is bounded by RegexTimeout and counts as no match past it.
//   - Only "json" indexes: no text or nouveau indexes, no $text operator, no
//     partitioned databases. Index field directions are accepted but ignored
//     (index entries are always ascending).
//   - Numbers compare as float64 (see package collate); $mod and $size work on
//     integers up to 2^63.
//   - Objects compare with keys in byte order, and $all checks membership with
//     collation equality, not Erlang term equality.
//   - An empty object where a selector is expected matches everything, while
//     CouchDB reads it as {"$eq": {}} inside $and/$or.
package mango
